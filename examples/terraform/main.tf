# Two accounts peer their VPCs: the requester asks, the accepter's account accepts, and each side
# routes the other's CIDR over the peering.

data "aws_caller_identity" "accepter" {
  provider = aws.accepter
}

module "requester" {
  source    = "./modules/network"
  providers = { aws = aws.requester }
  name      = "requester"
  cidr      = var.requester_cidr
  tags      = var.tags
}

# The accepter's side lives in the requester's region, or (cross_region) in peer_region. Exactly
# one of these two exists.
module "accepter" {
  source    = "./modules/network"
  count     = var.cross_region ? 0 : 1
  providers = { aws = aws.accepter }
  name      = "accepter"
  cidr      = var.accepter_cidr
  tags      = var.tags
}

module "accepter_remote" {
  source    = "./modules/network"
  count     = var.cross_region ? 1 : 0
  providers = { aws = aws.accepter_remote }
  name      = "accepter"
  cidr      = var.accepter_cidr
  tags      = var.tags
}

locals {
  accepter = var.cross_region ? module.accepter_remote[0] : module.accepter[0]
}

# The request, made by the requester's account. Each account tags the peering for itself: the
# requester's tags here, the accepter's on aws_vpc_peering_connection_accepter below.
resource "aws_vpc_peering_connection" "this" {
  provider      = aws.requester
  vpc_id        = module.requester.vpc_id
  peer_vpc_id   = local.accepter.vpc_id
  peer_owner_id = data.aws_caller_identity.accepter.account_id
  peer_region   = var.cross_region ? var.peer_region : null
  tags          = merge(var.tags, { Name = "requester-to-accepter", Side = "Requester" })
}

# The accepter's account accepts the request (in the accepter's region).
resource "aws_vpc_peering_connection_accepter" "same_region" {
  provider                  = aws.accepter
  count                     = var.cross_region ? 0 : 1
  vpc_peering_connection_id = aws_vpc_peering_connection.this.id
  auto_accept               = true
  tags                      = merge(var.tags, { Name = "accepter-of-requester", Side = "Accepter" })
}

resource "aws_vpc_peering_connection_accepter" "cross_region" {
  provider                  = aws.accepter_remote
  count                     = var.cross_region ? 1 : 0
  vpc_peering_connection_id = aws_vpc_peering_connection.this.id
  auto_accept               = true
  tags                      = merge(var.tags, { Name = "accepter-of-requester", Side = "Accepter" })
}

locals {
  accepted_id = var.cross_region ? aws_vpc_peering_connection_accepter.cross_region[0].id : aws_vpc_peering_connection_accepter.same_region[0].id
}

# Routes both ways, once the peering is accepted.
resource "aws_route" "requester_to_accepter" {
  provider                  = aws.requester
  route_table_id            = module.requester.route_table_id
  destination_cidr_block    = local.accepter.cidr
  vpc_peering_connection_id = local.accepted_id
}

resource "aws_route" "accepter_to_requester" {
  provider                  = aws.accepter
  count                     = var.cross_region ? 0 : 1
  route_table_id            = local.accepter.route_table_id
  destination_cidr_block    = module.requester.cidr
  vpc_peering_connection_id = local.accepted_id
}

resource "aws_route" "accepter_to_requester_remote" {
  provider                  = aws.accepter_remote
  count                     = var.cross_region ? 1 : 0
  route_table_id            = local.accepter.route_table_id
  destination_cidr_block    = module.requester.cidr
  vpc_peering_connection_id = local.accepted_id
}
