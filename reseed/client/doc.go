// Package client is the reseed bootstrap client: it fetches i2pseeds.su3
// bundles from several reseed servers over HTTPS (or a SOCKS/HTTP proxy),
// verifies each as Java I2P and i2pd would (su3 signature by a trusted
// signer, zip, every RouterInfo's signature, netid, age and addresses),
// merges what enough servers gave, writes it into a netDb, and mirrors
// bundles for offline use (Mirror, Export).
//
// Who calls whom:
//
//	cmd/i2pseed bootstrap, mirror, router --seed-urls ──> client
//	reseed/judge (check, monitor) ──> client (Config, NewHTTPClient)
//	client ──> reseed/wire (path, User-Agent), su3, netdb, certs
//
// It never imports the server (package reseed); the server never imports it.
package client
