// Package certs makes and loads the keys and certificates of the I2P reseed
// system: su3 signer keys (RSA-4096 with a self-signed X.509 certificate
// whose CN is the signer ID), a Keyring of trusted signer certificates with
// the set real routers ship embedded, and self-signed TLS certificates.
//
// Conventions follow what Java I2P, i2pd and go-i2p check (see the
// project's shared spec, reseed-protocol.md §2): subject and issuer CN equal
// the signer ID, the DN is short (i2pd truncates it at 100 bytes), the public
// exponent is 65537, and a certificate file is named after the signer ID with
// '@' replaced by "_at_".
package certs
