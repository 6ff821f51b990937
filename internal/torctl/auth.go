package torctl

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// An AuthMethod is one of PROTOCOLINFO's METHODS.
type AuthMethod string

// The methods tor offers (control-spec 3.21).
const (
	AuthNull           AuthMethod = "NULL"           // no authentication configured
	AuthHashedPassword AuthMethod = "HASHEDPASSWORD" // HashedControlPassword
	AuthCookie         AuthMethod = "COOKIE"         // CookieAuthentication: the file's 32 bytes
	AuthSafeCookie     AuthMethod = "SAFECOOKIE"     // the same cookie, proven by HMAC
)

// ProtocolInfo is PROTOCOLINFO's answer.
type ProtocolInfo struct {
	Methods    []AuthMethod
	CookieFile string // "" unless COOKIE or SAFECOOKIE
	Version    string // tor's version, e.g. 0.4.9.11
}

// cookieLen is the length of tor's control_auth_cookie.
const cookieLen = 32

// The HMAC keys of SAFECOOKIE (control-spec 3.24).
const (
	serverHashKey = "Tor safe cookie authentication server-to-controller hash"
	clientHashKey = "Tor safe cookie authentication controller-to-server hash"
)

// ProtocolInfo asks tor how to authenticate. Tor answers it once before
// authentication (a second time it closes the connection with 514), so
// the answer is kept for Authenticate.
func (c *Conn) ProtocolInfo() (*ProtocolInfo, error) {
	if c.pi != nil {
		return c.pi, nil
	}
	r, err := c.Command("PROTOCOLINFO 1")
	if err != nil {
		return nil, fmt.Errorf("PROTOCOLINFO: %w", err)
	}
	if c.pi, err = parseProtocolInfo(r); err != nil {
		return nil, err
	}
	return c.pi, nil
}

// parseProtocolInfo reads the AUTH and VERSION lines of a reply.
func parseProtocolInfo(r *Reply) (*ProtocolInfo, error) {
	pi := &ProtocolInfo{}
	var auth bool
	for _, l := range r.Lines {
		kw, err := ParseKeywords(l.Text)
		if err != nil {
			return nil, fmt.Errorf("PROTOCOLINFO: %w", err)
		}
		if len(kw.Words) == 0 {
			continue
		}
		switch kw.Words[0] {
		case "AUTH":
			auth = true
			for m := range strings.SplitSeq(kw.Values["METHODS"], ",") {
				pi.Methods = append(pi.Methods, AuthMethod(m))
			}
			pi.CookieFile = kw.Values["COOKIEFILE"]
		case "VERSION":
			pi.Version = kw.Values["Tor"]
		}
	}
	if !auth {
		return nil, fmt.Errorf("PROTOCOLINFO without AUTH: %w", ErrMalformed)
	}
	return pi, nil
}

// Authenticate authenticates with the best method tor offers: the
// password when one is given and tor takes HASHEDPASSWORD, else NULL,
// SAFECOOKIE or COOKIE (reading the cookie file tor names). Failures are
// ErrAuth.
func (c *Conn) Authenticate(password string) error {
	pi, err := c.ProtocolInfo()
	if err != nil {
		return err
	}
	has := func(m AuthMethod) bool { return slices.Contains(pi.Methods, m) }
	switch {
	case password != "" && has(AuthHashedPassword):
		err = c.authenticate(quote(password))
	case has(AuthNull):
		err = c.authenticate("")
	case has(AuthSafeCookie):
		err = c.safeCookie(pi.CookieFile)
	case has(AuthCookie):
		var cookie []byte
		if cookie, err = readCookie(pi.CookieFile); err == nil {
			err = c.authenticate(hex.EncodeToString(cookie))
		}
	case has(AuthHashedPassword):
		return fmt.Errorf("tor wants a control port password: %w", ErrAuth)
	default:
		return fmt.Errorf("no method offered that this client knows (%v): %w", pi.Methods, ErrAuth)
	}
	return err
}

func (c *Conn) authenticate(arg string) error {
	cmd := "AUTHENTICATE"
	if arg != "" {
		cmd += " " + arg
	}
	if _, err := c.Command(cmd); err != nil {
		return fmt.Errorf("AUTHENTICATE: %w", err)
	}
	return nil
}

// readCookie reads tor's 32-byte control_auth_cookie.
func readCookie(path string) ([]byte, error) {
	if path == "" {
		return nil, fmt.Errorf("tor named no cookie file: %w", ErrAuth)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cookie: %w (%w)", err, ErrAuth)
	}
	if len(b) != cookieLen {
		return nil, fmt.Errorf("cookie %s: %d bytes, want %d: %w", path, len(b), cookieLen, ErrAuth)
	}
	return b, nil
}

// safeCookie runs AUTHCHALLENGE SAFECOOKIE and AUTHENTICATE, checking
// that tor knows the cookie before proving we do.
func (c *Conn) safeCookie(path string) error {
	cookie, err := readCookie(path)
	if err != nil {
		return err
	}
	rnd := c.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	nonce := make([]byte, 32)
	if _, err := io.ReadFull(rnd, nonce); err != nil {
		return err
	}
	r, err := c.Command("AUTHCHALLENGE SAFECOOKIE " + hex.EncodeToString(nonce))
	if err != nil {
		return fmt.Errorf("AUTHCHALLENGE: %w", err)
	}
	serverHash, serverNonce, err := parseAuthChallenge(r)
	if err != nil {
		return err
	}
	msg := slices.Concat(cookie, nonce, serverNonce)
	if !hmac.Equal(serverHash, mac(serverHashKey, msg)) {
		return fmt.Errorf("tor's SAFECOOKIE hash does not match the cookie %s: %w", path, ErrAuth)
	}
	return c.authenticate(hex.EncodeToString(mac(clientHashKey, msg)))
}

func mac(key string, msg []byte) []byte {
	h := hmac.New(sha256.New, []byte(key))
	h.Write(msg)
	return h.Sum(nil)
}

// parseAuthChallenge reads "AUTHCHALLENGE SERVERHASH=<64 hex>
// SERVERNONCE=<64 hex>".
func parseAuthChallenge(r *Reply) (hash, nonce []byte, err error) {
	kw, err := ParseKeywords(r.Lines[len(r.Lines)-1].Text)
	if err != nil {
		return nil, nil, fmt.Errorf("AUTHCHALLENGE: %w", err)
	}
	hash, err1 := hex.DecodeString(kw.Values["SERVERHASH"])
	nonce, err2 := hex.DecodeString(kw.Values["SERVERNONCE"])
	if len(kw.Words) != 1 || kw.Words[0] != "AUTHCHALLENGE" || err1 != nil || err2 != nil || len(hash) != sha256.Size || len(nonce) != 32 {
		return nil, nil, fmt.Errorf("AUTHCHALLENGE reply %q: %w", r.Lines[len(r.Lines)-1].Text, ErrMalformed)
	}
	return hash, nonce, nil
}
