package su3

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"time"
)

// ReadEntryDir reads the routerInfo-*.dat files at the top of fsys and in
// its r?/ subdirectories (a netDb's layout) as bundle entries, in that
// order, each dated date(its data) unless date is nil. A file whose name
// is not routerInfo-<hash>.dat is an error (ErrBundle), and so is finding
// none.
func ReadEntryDir(fsys fs.FS, date func(data []byte) time.Time) ([]Entry, error) {
	var entries []Entry
	for _, pattern := range []string{entryPrefix + "*" + entrySuffix, "r?/" + entryPrefix + "*" + entrySuffix} {
		matches, err := fs.Glob(fsys, pattern)
		if err != nil {
			return nil, fmt.Errorf("su3: %w", err)
		}
		for _, p := range matches {
			e, err := readEntryFile(fsys, p, date)
			if err != nil {
				return nil, err
			}
			entries = append(entries, e)
		}
	}
	if len(entries) == 0 {
		return nil, errors.New("su3: no routerInfo-<hash>.dat files found")
	}
	return entries, nil
}

func readEntryFile(fsys fs.FS, p string, date func([]byte) time.Time) (Entry, error) {
	e := Entry{Name: path.Base(p)}
	if _, err := ParseEntryName(e.Name); err != nil {
		return e, err
	}
	var err error
	if e.Data, err = fs.ReadFile(fsys, p); err != nil {
		return e, fmt.Errorf("su3: %w", err)
	}
	if date != nil {
		e.Modified = date(e.Data)
	}
	return e, nil
}
