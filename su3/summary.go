package su3

import (
	"fmt"
	"io"
	"time"
)

// A Summary is an Info as i2pseed su3 info shows it: as text (WriteText)
// or, through its field tags, as JSON.
type Summary struct {
	File          string     `json:"file"`
	Size          int64      `json:"size"`
	Signer        string     `json:"signer"`
	Certificates  []Validity `json:"certificates,omitempty"`
	SigType       string     `json:"sig_type"`
	SigTypeCode   int        `json:"sig_type_code"`
	FileType      string     `json:"file_type"`
	ContentType   string     `json:"content_type"`
	Version       string     `json:"version"`
	Signed        time.Time  `json:"signed,omitzero"`
	AgeSeconds    int64      `json:"age_seconds,omitempty"`
	ContentLength int64      `json:"content_length"`
	Verified      bool       `json:"verified"`
	Error         string     `json:"error,omitempty"` // why it does not verify
	Entries       int        `json:"entries,omitempty"`
}

// Validity is a signer certificate's validity period.
type Validity struct {
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
}

// Summary summarizes what Describe learnt about file, its age as of now.
// Error is i.Err's text; a caller may word it for its users.
func (i *Info) Summary(file string, now time.Time) Summary {
	s := Summary{
		File: file, Size: i.Size(), Signer: i.SignerID,
		SigType: i.SigType.String(), SigTypeCode: int(i.SigType),
		FileType: i.FileType.String(), ContentType: i.ContentType.String(),
		Version: i.Version, ContentLength: i.ContentLength,
		Verified: i.Verified(), Entries: i.Entries,
	}
	if t, ok := i.SignedAt(); ok {
		s.Signed, s.AgeSeconds = t, int64(now.Sub(t).Seconds())
	}
	if i.Err != nil {
		s.Error = i.Err.Error()
	}
	for _, c := range i.Certificates {
		s.Certificates = append(s.Certificates, Validity{c.NotBefore.UTC(), c.NotAfter.UTC()})
	}
	return s
}

// WriteText writes the summary a field a line: file and size, signer,
// certificate validity, signature type, content, version with signing
// time and age, whether the signature verifies and, for a verified reseed
// bundle, its RouterInfos.
func (s *Summary) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "file:          %s (%d bytes)\n", s.File, s.Size)
	fmt.Fprintf(w, "signer:        %s\n", s.Signer)
	for _, c := range s.Certificates {
		fmt.Fprintf(w, "certificate:   valid from %s to %s\n", c.NotBefore.Format(time.DateOnly), c.NotAfter.Format(time.DateOnly))
	}
	fmt.Fprintf(w, "signature:     %s (type %d)\n", s.SigType, s.SigTypeCode)
	fmt.Fprintf(w, "content:       %s, %s, %d bytes\n", s.ContentType, s.FileType, s.ContentLength)
	version, ok := s.Version, "yes"
	if !s.Signed.IsZero() {
		version += fmt.Sprintf(" (signed %s, %s ago)", s.Signed.Format(time.RFC3339), Age(time.Duration(s.AgeSeconds)*time.Second))
	}
	if !s.Verified {
		ok = "no: " + s.Error
	}
	_, err := fmt.Fprintf(w, "version:       %s\nsignature ok:  %s\n", version, ok)
	if s.ContentType == ContentReseed.String() && s.Verified {
		_, err = fmt.Fprintf(w, "entries:       %d RouterInfos\n", s.Entries)
	}
	return err
}

// WriteVerified writes the line i2pseed su3 verify prints for a file that
// verified: "FILE: OK, signed by ID (TYPE), CONTENT" and, for a reseed
// bundle, ", N RouterInfos".
func (s *Summary) WriteVerified(w io.Writer) error {
	line := fmt.Sprintf("%s: OK, signed by %s (%s), %s", s.File, s.Signer, s.SigType, s.ContentType)
	if s.ContentType == ContentReseed.String() {
		line += fmt.Sprintf(", %d RouterInfos", s.Entries)
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

// Age words the time since a file was signed for people: minutes up to
// two days ("5h30m0s"), then days ("3.5 days"), or "in the future by 2h0m0s".
func Age(d time.Duration) string {
	switch {
	case d < 0:
		return "in the future by " + (-d).String()
	case d < 48*time.Hour:
		return d.Round(time.Minute).String()
	}
	return fmt.Sprintf("%.1f days", d.Hours()/24)
}
