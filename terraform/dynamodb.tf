# Key design (DESIGN.md section 7): keyed by the event id alone, so a client retry cannot create a
# second item; three GSIs (by source, by type shard, by time shard) sort on ts_id, and the type and
# time indexes are write-sharded. Names and keys come from resources.json (table.*).
resource "aws_dynamodb_table" "events" {
  name                        = local.names.table
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = local.table.hash_key
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
      name            = global_secondary_index.value.name
      hash_key        = global_secondary_index.value.hash_key
      range_key       = global_secondary_index.value.range_key
      projection_type = global_secondary_index.value.projection
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
