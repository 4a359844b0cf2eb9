"""madfam (004): MADFAM AI consultancy lead generation: lead scoring, assessments, tiers."""
