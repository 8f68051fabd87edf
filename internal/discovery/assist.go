package discovery

// AssistUniqueIDs are the unique_ids of a person's entities worth exposing
// to Assist: the life score, level and XP to go, unspent points, the six
// stats, mood and the routine's progress and next item. They are stable ids
// (the entity ids people see may have been renamed), so the HA side looks
// them up in its entity registry.
func AssistUniqueIDs(personID int64) []string {
	obj := personObjectID(personID)
	ids := []string{"life_score", "level", "xp_to_next_level", "unspent_points", "mood", "routine_progress", "routine_next_item"}
	for _, s := range Stats() {
		ids = append(ids, "stat_"+s.key())
	}
	for i, id := range ids {
		ids[i] = obj + "_" + id
	}
	return ids
}
