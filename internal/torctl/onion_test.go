package torctl

import (
	"crypto/ed25519"
	"errors"
	"os"
	"strings"
	"testing"
)

// The service ID tor 0.4.9.11 gave ADD_ONION for the key whose seed is
// the bytes 0, 1, ..., 31 (testdata/add-onion-key.txt).
const seedService = "aoqqpp7tzyil4hlq3umoos6atft6jvrqtosq2xy53sdgiesvgg4bqead"

func seqSeed() ed25519.PrivateKey {
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(i)
	}
	return ed25519.NewKeyFromSeed(seed)
}

func TestServiceIDAsTorDerivesIt(t *testing.T) {
	b, _ := os.ReadFile("testdata/add-onion-key.txt")
	if !strings.Contains(string(b), seedService) {
		t.Fatalf("the recording does not name %s", seedService)
	}
	key := seqSeed()
	if got := ServiceID(key.Public().(ed25519.PublicKey)); got != seedService {
		t.Errorf("got %s, want %s (tor's)", got, seedService)
	}
	pub, err := ParseServiceID(seedService + ".onion")
	if err != nil || !pub.Equal(key.Public()) {
		t.Errorf("ParseServiceID: %v", err)
	}
}

func TestParseServiceIDErrors(t *testing.T) {
	for _, bad := range []string{
		"", "abc.onion", strings.ToUpper(seedService),
		seedService[:55] + "a",  // checksum
		seedService[:54] + "ae", // version
		"facebookcorewwwi",      // v2
		seedService + "a",       // length
	} {
		if _, err := ParseServiceID(bad); !errors.Is(err, ErrOnionAddress) {
			t.Errorf("ParseServiceID(%q) = %v, want ErrOnionAddress", bad, err)
		}
	}
}
