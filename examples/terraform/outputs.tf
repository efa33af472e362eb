output "vpc_peering_connection_id" {
  value = aws_vpc_peering_connection.this.id
}

output "peering_status" {
  value = var.cross_region ? aws_vpc_peering_connection_accepter.cross_region[0].accept_status : aws_vpc_peering_connection_accepter.same_region[0].accept_status
}

output "requester_vpc_id" {
  value = module.requester.vpc_id
}

output "accepter_vpc_id" {
  value = local.accepter.vpc_id
}

output "accepter_account_id" {
  value = data.aws_caller_identity.accepter.account_id
}
