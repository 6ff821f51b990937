package testnet

import (
	"regexp"
	"strings"
	"sync"
)

// A Rule is one defence of a router implementation against a peer, as the
// line it logs shows it: a block, ban, banlist entry, throttle, refusal or
// drop.
type Rule struct {
	Impl string // ImplJava or ImplI2PD
	Name string
	// Pattern is a regexp over a log record (a line, and for Java the
	// lines that continue it, such as "java.lang.Exception: Banlist
	// cause: ..."). %us stands where the line names our router: its IP,
	// its hash in I2P base64, or the hash's first 6 (Java) or 4 (i2pd)
	// characters. A pattern without %us is of a line that names no peer.
	Pattern string
}

// Rules are the defences the audit looks for in the peers' logs: Java I2P
// 2.7.0 and i2pd 2.45.1 / 2.58.0, the exact strings of their sources
// (docs/research-blocking-rules.md; J1-J16 and D1-D8 are its sections).
// How they name a peer: Java by IP (Addresses.toString, "198.18.0.2"), by
// connection ("NTCP2 conn 17 from 198.18.0.2 port 56961 ZESQIP", the
// hash's first 6 characters), by Hash.toBase64 or Hash.toString
// ("[Hash: <base64>]"); i2pd by address or endpoint ("198.18.0.2:18899"),
// by IdentHash::ToBase64 or GetIdentHashAbbreviation (4 characters).
//
// Not here, as no defence: Java's "Got Termination: " (our Termination),
// "Failsafe or expire close for " and "Sending termination, reason: " 0-3
// (normal, idle), "NTP failure, NTCP adjusted clock by" (Java takes our
// clock), "Zero lookup" and "Dropping dbLookup for ... with replies going
// to us" (neither is ours), "OBES2 ... Failed to establish: connect
// failed" (Java could not reach us; a ban for it is a Banlist line); the
// session that replaces another when two routers dial each other at once
// (Java's "Old connection closed: ... replaced by", i2pd's "Session with
// ... already exists. Replaced": reference routers do it to one another);
// i2pd's "NTCP2: Termination. reason=" (our Termination, debug), "NTCP2:
// No activity for" (idle, debug), "Session to peer ... has not been
// created", "RouterInfo for ... not found, requested" and "NetDb:
// Duplicated RouterInfo" (bookkeeping). i2pd logs no "blacklisted",
// "refused" or "throttle" line, nor the reason of a Termination it sends
// (its "Session with ... terminated" is debug).
var Rules = []Rule{
	// Java: NTCP accept and the EventPumper's IP counter (J1, J2).
	{ImplJava, "eof-blocks-ip", `EOF on inbound before receiving any.*%us`},
	{ImplJava, "ioe-blocks-ip", `(?:Blocking IP |IOE on inbound before receiving any).*%us`},
	{ImplJava, "accept-blocked", `Blocking accept of IP with count \d+: %us`},
	{ImplJava, "accept-blocklisted", `Receive session request from blocklisted IP: %us`},
	{ImplJava, "accept-at-connection-limit", `Receive session request but at connection limit: %us`},
	{ImplJava, "accept-rate-drop", `Probabalistic drop incoming`}, // sic; names no peer
	// Java: the inbound handshake and the data phase (J3, J4, J5).
	{ImplJava, "wrong-network", `Dropping inbound connection from wrong network: %us`},
	{ImplJava, "banlisted-forever", `(?:Dropping inbound connection from permanently banlisted peer|Peer is banlisted forever).*%us`},
	{ImplJava, "clock-skew", `Clock Skew: -?\d+ on .*%us`},
	{ImplJava, "clock-skew-ban", `Clocks too skewed \(`}, // names no peer; its ban is a Banlist line
	{ImplJava, "msg3-failed", `Failed msg3p2, code \d+ for .*%us`},
	{ImplJava, "msg3-payload", `Bad msg 3 payload`}, // names no peer; a "Failed msg3p2" line follows
	{ImplJava, "establish-failed", `IBES .*%us.*Failed to establish: `},
	{ImplJava, "termination-sent", `Sending termination, reason: (?:[4-9]|[1-9]\d+), .*%us`},
	{ImplJava, "skew-jump-close", `Peer's skew jumped too far .*%us`},
	{ImplJava, "aead-failure-close", `(?:Short frame length: |Bad AEAD data phase frame |AEAD failure after ).*%us`},
	{ImplJava, "frame-dropped", `(?:Fail payload |Error parsing I2NP message on ).*%us`},
	// Java: the banlist and the blocklist (J10, J11, J14).
	{ImplJava, "banlist", `Banlist %us`},
	{ImplJava, "blocklist-add", `Blocklist *: Added: %us`},
	{ImplJava, "blocklist-banlists", `Banlisting .*%us`},
	{ImplJava, "blocklisting-peer", `Blocklisting (?:new|old) peer .*%us`},
	{ImplJava, "sybil-ban", `(?s)Banned by .* and blocking IPs:.*%us`},
	// Java: netDb lookups, stores and replies (J8, J9, J12, J13).
	{ImplJava, "lookup-throttled", `lookup request for .*\(throttled\), reply was to: \[Hash: %us\]`},
	{ImplJava, "lookup-dropped-not-floodfill", `\(we are not a floodfill\), reply was to: \[Hash: %us\]`},
	{ImplJava, "lookup-uninvited", `Uninvited dbLookup received with replies going to \[Hash: %us\]`},
	{ImplJava, "reply-to-banlisted", `Attempt to send a message to a banlisted peer - \[Hash: %us\]`},
	{ImplJava, "reply-undeliverable", `Unable to find the router to send to: \[Hash: %us\]`},
	{ImplJava, "message-dropped", `(?s)(?:Dropping message ID \[|Dropping unhandled delivery status message|not handled by a HandlerJobBuilder - DROPPING).*%us`},
	{ImplJava, "store-dropped", `Dropping new unsolicited dbStore of .*router %us`},
	{ImplJava, "store-dropped-not-floodfill", `(?s)Got a store w/ reply token, but we aren't ff: .*%us`},
	{ImplJava, "store-bad-data", `sent bad data key: %us`},
	{ImplJava, "routerinfo-forged", `(?s)Invalid routerInfo signature!.*%us`},
	{ImplJava, "not-in-our-network", `(?s)Not in our network: .*%us`},

	// i2pd: NTCP2 accept and handshake (D2, D8).
	{ImplI2PD, "host-mismatch", `Host mismatch between published address \S+ and actual endpoint %us`},
	{ImplI2PD, "routerinfo-rejected", `RouterInfo verification failed in SessionConfirmed from %us`},
	{ImplI2PD, "pending-refused", `Incoming session from %us is already pending`},
	{ImplI2PD, "invalid-ip", `Incoming connection from invalid IP %us`},
	{ImplI2PD, "untrusted-closed", `Closing untrusted inbound connection from %us`},
	{ImplI2PD, "ssu2-static-key", `SSU2: Wrong static key in SessionConfirmed from %us`},
	// i2pd: profiles (D6): "Transports: ... Peer dropped", "NetDbReq: ... Skipped".
	{ImplI2PD, "banned", `Router %us is banned`},
	// i2pd: lines that name no peer (D2, D3, D5, D7).
	{ImplI2PD, "clock-skew", `exceeds clock skew|SSU2: Clock skew detected`},
	{ImplI2PD, "wrong-netid", `SessionRequest networkID \d+ mismatch|RouterInfo: Unexpected netId=`},
	{ImplI2PD, "msg1-rejected", `NTCP2: SessionRequest (?:version mismatch|AEAD verification failed|padding length|m3p2len=)`},
	{ImplI2PD, "msg3-rejected", `NTCP2: (?:(?:Signature verification failed|RouterInfo is too old|Wrong static key|No NTCP2 address with static key found|Unexpected RouterInfo size \d+|Unexpected block \d+) in SessionConfirmed|RouterInfo is from future|Couldn't update RouterInfo from SessionConfirmed|SessionConfirmed Part[12] AEAD verification failed)`},
	{ImplI2PD, "data-phase-error", `NTCP2: (?:Received AEAD verification failed|Received length \d+ is too short|Unexpected block length \d+)`},
	{ImplI2PD, "routerinfo-invalid", `RouterInfo: (?:Signature verification failed|Buffer is too long)`},
	{ImplI2PD, "lookup-dropped", `NetDb: (?:Number of excluded peers\d+ is too much|Exploratory lookup to non-floodfill dropped|Explicit LeaseSet lookup to non-floodfill dropped)`},
}

// usMark replaces our router's names in a record before the rules run.
const usMark = "\x00"

type compiledRule struct {
	Rule
	re    *regexp.Regexp
	named bool // the pattern has %us
}

var compiled = sync.OnceValue(func() map[string][]compiledRule {
	m := map[string][]compiledRule{}
	for _, r := range Rules {
		m[r.Impl] = append(m[r.Impl], compiledRule{Rule: r, named: strings.Contains(r.Pattern, "%us"),
			re: regexp.MustCompile(strings.ReplaceAll(r.Pattern, "%us", `\x00`))})
	}
	return m
})
