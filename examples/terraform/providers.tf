# Two accounts, each with its own access key. Both providers talk to the same vpcpeer server: its
# AWS face answers EC2 and STS at one address and tells the accounts apart by the access key.
#
# Credentials are validated (STS GetCallerIdentity, which vpcpeer serves), so a wrong key fails at
# `terraform plan`. skip_metadata_api_check keeps the provider from probing the EC2 instance
# metadata service; skip_region_validation lets it use region names of the server's own catalogue.

provider "aws" {
  alias      = "requester"
  region     = var.region
  access_key = var.requester_access_key
  secret_key = var.requester_secret_key

  skip_region_validation  = true
  skip_metadata_api_check = true

  endpoints {
    ec2 = var.endpoint
    sts = var.endpoint
  }
}

provider "aws" {
  alias      = "accepter"
  region     = var.region
  access_key = var.accepter_access_key
  secret_key = var.accepter_secret_key

  skip_region_validation  = true
  skip_metadata_api_check = true

  endpoints {
    ec2 = var.endpoint
    sts = var.endpoint
  }
}

# The accepter's account in the other region, used when cross_region is true: a cross-region
# request is accepted in the accepter's region, as on AWS.
provider "aws" {
  alias      = "accepter_remote"
  region     = var.peer_region
  access_key = var.accepter_access_key
  secret_key = var.accepter_secret_key

  skip_region_validation  = true
  skip_metadata_api_check = true

  endpoints {
    ec2 = var.endpoint
    sts = var.endpoint
  }
}
