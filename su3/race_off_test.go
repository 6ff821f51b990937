//go:build !race

package su3_test

const raceEnabled = false
