// Package reseed is the reseed server: it keeps a pool of signed
// i2pseeds.su3 bundles built from a source of RouterInfos and serves each
// client always the same one of them over HTTPS.
//
// Protocol facts (the project's shared spec, reseed-protocol.md §3-§5; I2P
// proposal 147 for netid): clients ask
//
//	Java I2P  GET /i2pseeds.su3?netid=2 HTTP/1.1, Host, If-Modified-Since, Accept-Encoding: gzip
//	i2pd      GET https://host:443/i2pseeds.su3 HTTP/1.0, absolute URL, no Host header
//	go-i2p    GET /i2pseeds.su3
//
// all with User-Agent Wget/1.11.4, and accept only a 200 with the su3 as
// the body: the server never answers 304, never redirects, never gzips the
// su3, and sends an accurate Date header (Java sets its clock from it). A
// missing netid means the configured one; another netid is refused (403).
//
// Bundles: K bundles of N RouterInfos chosen by the netdb selection policy
// and floodfill quota, version = build time in Unix seconds. A client's
// address (IPv4 /32, IPv6 /64) is mapped to one bundle with a keyed hash, so
// it gets the same bundle until the next rebuild and cannot enumerate the
// netDb. The same RouterInfos, secret and build time give byte-identical
// bundles (RSA PKCS#1 v1.5 signatures are deterministic), so replicas agree.
//
// The reseed packages, and who calls whom:
//
//	reseed          the server: Server (handler, limits, metrics), Pool and
//	                Builder (bundles from a Source), Listen, Settings
//	reseed/client   the bootstrap client and mirror (fetch, verify, merge)
//	reseed/judge    the judge and the fleet monitor, built on the client
//	reseed/wire     the protocol's fixed facts all three share
//
//	cmd/i2pseed serve ──> reseed ──> netdb, su3, certs, router (built-in)
//	reseed/judge ──> reseed/client ──> reseed/wire <── reseed
//
// The server never imports the client or the judge; they judge it over
// HTTP as any client would.
package reseed
