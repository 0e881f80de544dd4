//go:build race

package target_test

// raceEnabled reports a -race build, where every step runs ten times
// slower: the tests that repeat whole syncs do less of it.
const raceEnabled = true
