// Package judge checks reseed servers as their clients would: Server
// fetches a server's bundle as Java I2P's reseed tester and i2pd's client
// do and reports a verdict per rule (whose rule it is: Java, i2pd or
// ours); Monitor judges a fleet of servers on a schedule and serves their
// status page, JSON and Prometheus metrics.
//
// Who calls whom:
//
//	cmd/i2pseed check, monitor ──> judge
//	judge ──> reseed/client (download settings, verification), reseed/wire, su3, netdb
//
// It judges any server over HTTP; it never imports the server (package
// reseed).
package judge
