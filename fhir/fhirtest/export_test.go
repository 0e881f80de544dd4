package fhirtest

// Sample and SeedRegistry let the external tests use the sample registry.
type Sample = sample

// SeedRegistry fills s with the sample registry (see seedRegistry).
func SeedRegistry(s *Server, workers int) *Sample { return seedRegistry(s, workers) }

// TimeFormat is how meta.lastUpdated is written.
const TimeFormat = timeFormat
