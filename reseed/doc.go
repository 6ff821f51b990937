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
package reseed
