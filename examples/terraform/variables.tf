variable "endpoint" {
  description = "The vpcpeer server (its AWS EC2 and STS face is served at the root path), e.g. http://127.0.0.1:8080"
  type        = string
  default     = "http://127.0.0.1:8080"
}

variable "region" {
  description = "Region of the requester's VPC (and of the accepter's, unless cross_region is set)"
  type        = string
  default     = "us-east-1"
}

variable "cross_region" {
  description = "Put the accepter's VPC in peer_region instead of region (a cross-region peering)"
  type        = bool
  default     = false
}

variable "peer_region" {
  description = "Region of the accepter's VPC when cross_region is true"
  type        = string
  default     = "us-west-2"
}

variable "requester_access_key" {
  description = "accessKeyId of the requester's account (from `vpcpeer account create`)"
  type        = string
}

variable "requester_secret_key" {
  description = "accessKeySecret of the requester's account"
  type        = string
  sensitive   = true
}

variable "accepter_access_key" {
  description = "accessKeyId of the accepter's account"
  type        = string
}

variable "accepter_secret_key" {
  description = "accessKeySecret of the accepter's account"
  type        = string
  sensitive   = true
}

variable "requester_cidr" {
  type    = string
  default = "10.10.0.0/16"
}

variable "accepter_cidr" {
  type    = string
  default = "10.20.0.0/16"
}

variable "tags" {
  description = "Tags put on every resource"
  type        = map(string)
  default = {
    Project = "vpcpeer-example"
  }
}
