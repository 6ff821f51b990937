package main

import "runtime/debug"

// stampedVersion is set by packaging builds: -ldflags "-X main.stampedVersion=1.2.3".
var stampedVersion string

// version reports the stamped version, else the module version recorded by
// the go tool (with the VCS revision), or "devel".
func version() string {
	if stampedVersion != "" {
		return stampedVersion
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "devel+" + s.Value[:12]
		}
	}
	return "devel"
}
