// Package torctl is a client for the small part of Tor's control protocol
// an onion service needs: PROTOCOLINFO, AUTHENTICATE (NULL, SAFECOOKIE,
// COOKIE, HASHEDPASSWORD), ADD_ONION and DEL_ONION.
//
// Spec: Tor control protocol, version 1, control-spec.txt
// (https://spec.torproject.org/control-spec/), and rend-spec-v3 section
// 6 for the onion address; tested against Debian's tor 0.4.9.
//
// Protocol flow, one line-based TCP (or unix socket) connection:
//
//	controller                              tor
//	PROTOCOLINFO 1            ───────>
//	                          <───────     250-AUTH METHODS=... COOKIEFILE="..."
//	AUTHCHALLENGE SAFECOOKIE <nonce> ──>   (SAFECOOKIE only)
//	                          <───────     250 AUTHCHALLENGE SERVERHASH= SERVERNONCE=
//	AUTHENTICATE <hash|"password"> ───>
//	                          <───────     250 OK        (515: refused, connection closed)
//	ADD_ONION ED25519-V3:<key> Port=80,127.0.0.1:<port> ─>
//	                          <───────     250-ServiceID=<56 base32>  250 OK
//	... the service lives as long as this connection (no Flags=Detach) ...
//	DEL_ONION <id>            ───────>
//	                          <───────     250 OK
//
// A reply is one or more lines "CODE-text" (mid), "CODE+text" followed by
// dot-terminated data (data), ending with "CODE text" (end); every line of
// a reply carries the same status Code.
//
// We write this client rather than depend on github.com/cretz/bine (what
// go-i2p/reseed-tools uses): bine's last release is from 2022, it is not
// on the module proxy this project builds from, and it brings process
// management and a whole-protocol surface for the five commands needed
// here.
package torctl
