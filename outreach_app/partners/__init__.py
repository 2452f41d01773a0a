"""Partner organisations (合作机构) that events are held with."""
