package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/i2pseed/i2pseed/internal/cliflag"
)

// cliflagTypes are internal/cliflag's flag types and the command each
// names flags of.
var cliflagTypes = map[string]string{
	"Serve":     cliflag.Serve("").Command(),
	"Router":    cliflag.Router("").Command(),
	"Bootstrap": cliflag.Bootstrap("").Command(),
}

// A cliflagConst is one constant of internal/cliflag, as its source
// declares it.
type cliflagConst struct {
	name, typ, value string
}

// TestCLIFlagNames: every flag name internal/cliflag declares (the flags
// testnet runs `i2pseed serve` and `i2pseed router` with) is a flag of
// the command its type is for, so a flag renamed here fails this test
// rather than a test network at run time.
func TestCLIFlagNames(t *testing.T) {
	consts := readCLIFlagConsts(t)
	if len(consts) == 0 {
		t.Fatal("internal/cliflag declares no constant")
	}
	a := newApp(io.Discard, io.Discard)
	for _, c := range consts {
		t.Run(c.name, func(t *testing.T) {
			command, ok := cliflagTypes[c.typ]
			if !ok {
				t.Fatalf("cliflag.%s is of type %s, not a flag type of cliflagTypes (add it there)", c.name, c.typ)
			}
			cmd, _, err := a.root.Find([]string{command})
			if err != nil || cmd.Name() != command {
				t.Fatalf("cliflag.%s: no command i2pseed %s (%v)", c.name, command, err)
			}
			if cmd.Flag(c.value) == nil {
				t.Errorf("cliflag.%s is %q, but i2pseed %s has no flag --%s", c.name, c.value, command, c.value)
			}
		})
	}
}

// TestCLIFlagArgs: a command line cliflag builds parses as the command's
// own, each value landing on its flag.
func TestCLIFlagArgs(t *testing.T) {
	args := cliflag.New[cliflag.Serve]().On(cliflag.ServeTestnet).Set(cliflag.ServeListen, "198.18.0.2:8443").
		SetInt(cliflag.ServeBundleSize, 7).Strings()
	cmd, rest, err := newApp(io.Discard, io.Discard).root.Find(args)
	if err != nil || cmd.Name() != "serve" {
		t.Fatalf("%q: command %q, %v; want serve", args, cmd.Name(), err)
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	for name, want := range map[cliflag.Serve]string{cliflag.ServeTestnet: "true", cliflag.ServeListen: "198.18.0.2:8443", cliflag.ServeBundleSize: "7"} {
		if got := cmd.Flag(string(name)).Value.String(); got != want {
			t.Errorf("--%s: got %q, want %q", name, got, want)
		}
	}
}

// readCLIFlagConsts reads the constants internal/cliflag's source
// declares. Each must be a string literal of a named type.
func readCLIFlagConsts(t *testing.T) []cliflagConst {
	t.Helper()
	files, err := filepath.Glob("../../internal/cliflag/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("internal/cliflag: no source (%v)", err)
	}
	var consts []cliflagConst
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			if g, ok := decl.(*ast.GenDecl); ok && g.Tok == token.CONST {
				consts = append(consts, specConsts(t, fset, g)...)
			}
		}
	}
	return consts
}

// specConsts are the constants of one const declaration.
func specConsts(t *testing.T, fset *token.FileSet, g *ast.GenDecl) []cliflagConst {
	t.Helper()
	var out []cliflagConst
	for _, spec := range g.Specs {
		vs := spec.(*ast.ValueSpec)
		typ, ok := vs.Type.(*ast.Ident)
		if !ok || len(vs.Values) != len(vs.Names) {
			t.Fatalf("%s: a cliflag constant needs a type and a value of its own", fset.Position(vs.Pos()))
		}
		for i, name := range vs.Names {
			lit, ok := vs.Values[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Fatalf("%s: cliflag.%s: want a string literal", fset.Position(name.Pos()), name.Name)
			}
			v, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, cliflagConst{name: name.Name, typ: typ.Name, value: v})
		}
	}
	return out
}
