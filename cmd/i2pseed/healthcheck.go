package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"
)

// healthcheckCmd probes serve's /healthz: the container image's HEALTHCHECK
// (a scratch image has no curl). The certificate is not checked: the probe
// asks whether this server answers, not who it is.
func (a *app) healthcheckCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:  "healthcheck",
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			url, _ := cmd.Flags().GetString("url")
			timeout, _ := cmd.Flags().GetDuration("timeout")
			if err := probeHealth(cmd.Context(), url, timeout); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, "ok", url)
			return nil
		},
	}
	cmd.Flags().String("url", "https://127.0.0.1:8443/healthz", "serve's /healthz URL")
	cmd.Flags().Duration("timeout", 5*time.Second, "give up after this long")
	return cmd
}

// probeHealth GETs url and wants HTTP 200.
func probeHealth(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // liveness, not identity
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck %s: HTTP %d, want 200", url, resp.StatusCode)
	}
	return nil
}
