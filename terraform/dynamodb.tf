# Key design (docs/dynamodb.md): items sit in write-sharded time partitions (pk = shard, ts_id =
# timestamp#id) at a key the event id alone gives, so a read by id is one GetItem and a conditional
# put makes the first write win; one GSI, keyed by source and sharded, serves source listings.
# An item plus one index entry: 2 write units per event up to 1 KB. Names and keys come from
# resources.json (table.*).
resource "aws_dynamodb_table" "events" {
  name                        = local.names.table
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = local.table.hash_key
  range_key                   = local.table.range_key
  deletion_protection_enabled = var.table_deletion_protection

  dynamic "attribute" {
    for_each = local.table.attributes
    content {
      name = attribute.key
      type = attribute.value
    }
  }

  dynamic "global_secondary_index" {
    for_each = { for index in local.table.global_secondary_indexes : index.name => index }
    content {
      name               = global_secondary_index.value.name
      hash_key           = global_secondary_index.value.hash_key
      range_key          = global_secondary_index.value.range_key
      projection_type    = global_secondary_index.value.projection
      non_key_attributes = try(global_secondary_index.value.non_key_attributes, null)
    }
  }

  ttl {
    attribute_name = local.table.ttl_attribute
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  # The AWS managed key (aws/dynamodb): auditable in CloudTrail, no key to administer.
  server_side_encryption {
    enabled = true
  }
}
