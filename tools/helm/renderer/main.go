// Command envmesh-helm-renderer is `helm template` and `helm show values` as a long-lived process, so that
// envmesh pays helm's process start once instead of once per rendered service.
//
// It reads one JSON request per line on stdin and writes one JSON response per line on stdout, in the order
// the requests came, each carrying its request's id:
//
//	{"id":1,"op":"template","release":"web","namespace":"ns","chartPath":"/abs/chart.tgz",
//	 "valuesPath":"/abs/values.json","kubeVersion":"v1.30.0","apiVersions":["x/v1"],"skipTests":true}
//	{"id":2,"op":"showValues","chartPath":"/abs/chart.tgz"}
//	→ {"id":1,"output":"---\n# Source: ..."}   or   {"id":1,"error":"Error: ...\n"}
//
// output is byte for byte what helm would print on stdout, error what it would print on stderr (the
// warnings helm logs while rendering included), for the same helm packages and the same build flags as the
// helm binary built beside it. Requests run one at a time: helm's packages log warnings through the global
// logger, and each failed request must carry only its own. Run several processes for parallel renders.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/cli"
	"helm.sh/helm/v3/pkg/cli/values"
	"helm.sh/helm/v3/pkg/getter"
	"helm.sh/helm/v3/pkg/release"
)

type request struct {
	ID          json.RawMessage `json:"id"`
	Op          string          `json:"op"`
	Release     string          `json:"release"`
	Namespace   string          `json:"namespace"`
	ChartPath   string          `json:"chartPath"`
	ValuesPath  string          `json:"valuesPath"`
	KubeVersion string          `json:"kubeVersion"`
	APIVersions []string        `json:"apiVersions"`
	SkipTests   bool            `json:"skipTests"`
	IncludeCRDs bool            `json:"includeCrds"`
}

type response struct {
	ID     json.RawMessage `json:"id"`
	Output *string         `json:"output,omitempty"`
	Error  *string         `json:"error,omitempty"`
}

func main() {
	// As helm's main does: its packages' warnings carry the file and line they come from.
	log.SetFlags(log.Lshortfile)
	in := bufio.NewReaderSize(os.Stdin, 64*1024)
	out := bufio.NewWriter(os.Stdout)
	encoder := json.NewEncoder(out)
	encoder.SetEscapeHTML(false)
	for {
		line, readErr := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			if err := encoder.Encode(handle(line)); err != nil {
				fmt.Fprintf(os.Stderr, "envmesh-helm-renderer: %v\n", err)
				os.Exit(1)
			}
			if err := out.Flush(); err != nil {
				os.Exit(1) // stdout closed: the client is gone
			}
		}
		if readErr == io.EOF {
			return
		}
		if readErr != nil {
			fmt.Fprintf(os.Stderr, "envmesh-helm-renderer: %v\n", readErr)
			os.Exit(1)
		}
	}
}

// handle answers one request line, with helm's stderr text (its logged warnings, then `Error: ...`) when
// the command would have failed. A panic fails the request, not the process.
func handle(line []byte) (res response) {
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return failure(req.ID, fmt.Sprintf("Error: envmesh-helm-renderer: invalid request: %v\n", err))
	}
	var stderr bytes.Buffer
	log.SetOutput(&stderr)
	defer log.SetOutput(os.Stderr)
	defer func() {
		if p := recover(); p != nil {
			res = failure(req.ID, fmt.Sprintf("%sError: envmesh-helm-renderer: panic: %v\n", stderr.String(), p))
		}
	}()

	var output string
	var err error
	switch req.Op {
	case "template", "":
		output, err = template(req, &stderr)
	case "showValues":
		output, err = showValues(req)
	default:
		err = fmt.Errorf("envmesh-helm-renderer: unknown op %q", req.Op)
	}
	if err != nil {
		// What cobra prints for a command's error.
		return failure(req.ID, fmt.Sprintf("%sError: %s\n", stderr.String(), err.Error()))
	}
	return response{ID: req.ID, Output: &output}
}

func failure(id json.RawMessage, stderr string) response {
	if id == nil {
		id = json.RawMessage("null")
	}
	return response{ID: id, Error: &stderr}
}

// template is helm's cmd/helm/template.go and runInstall (install.go) for a local chart archive, without
// --validate, --output-dir, --show-only, --debug and post-renderers, which envmesh does not use.
func template(req request, stderr io.Writer) (string, error) {
	settings := cli.New()
	if req.Namespace != "" {
		settings.SetNamespace(req.Namespace)
	}
	cfg := &action.Configuration{Log: func(string, ...interface{}) {}}
	client := action.NewInstall(cfg)
	if req.KubeVersion != "" {
		parsed, err := chartutil.ParseKubeVersion(req.KubeVersion)
		if err != nil {
			return "", fmt.Errorf("invalid kube version '%s': %s", req.KubeVersion, err)
		}
		client.KubeVersion = parsed
	}
	client.DryRunOption = "true"
	client.DryRun = true
	client.Replace = true // skip the name check, as helm template does
	client.ClientOnly = true
	client.APIVersions = chartutil.VersionSet(req.APIVersions)
	client.IncludeCRDs = req.IncludeCRDs
	client.Timeout = 300 * time.Second // helm's --timeout default; unused without a cluster
	client.ReleaseName = req.Release

	chartPath, err := client.ChartPathOptions.LocateChart(req.ChartPath, settings)
	if err != nil {
		return "", err
	}
	valueOpts := &values.Options{}
	if req.ValuesPath != "" {
		valueOpts.ValueFiles = []string{req.ValuesPath}
	}
	vals, err := valueOpts.MergeValues(getter.All(settings))
	if err != nil {
		return "", err
	}
	chrt, err := loader.Load(chartPath)
	if err != nil {
		return "", err
	}
	switch chrt.Metadata.Type {
	case "", "application":
	default:
		return "", fmt.Errorf("%s charts are not installable", chrt.Metadata.Type)
	}
	if chrt.Metadata.Deprecated {
		fmt.Fprintf(stderr, "WARNING: This chart is deprecated\n")
	}
	if deps := chrt.Metadata.Dependencies; deps != nil {
		if err := action.CheckDependencies(chrt, deps); err != nil {
			return "", fmt.Errorf("An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: %w", err)
		}
	}
	client.Namespace = settings.Namespace()

	rel, err := client.RunWithContext(context.Background(), chrt, vals)
	if err != nil {
		if rel != nil {
			return "", fmt.Errorf("%w\n\nUse --debug flag to render out invalid YAML", err)
		}
		return "", err
	}
	return joinManifests(rel, req.SkipTests), nil
}

// joinManifests is how helm template prints a release: its manifest, then every hook as its own document.
func joinManifests(rel *release.Release, skipTests bool) string {
	var manifests strings.Builder
	fmt.Fprintln(&manifests, strings.TrimSpace(rel.Manifest))
	for _, hook := range rel.Hooks {
		if skipTests && isTestHook(hook) {
			continue
		}
		fmt.Fprintf(&manifests, "---\n# Source: %s\n%s\n", hook.Path, hook.Manifest)
	}
	return manifests.String()
}

func isTestHook(hook *release.Hook) bool {
	for _, event := range hook.Events {
		if event == release.HookTest {
			return true
		}
	}
	return false
}

// showValues is `helm show values <chart>`.
func showValues(req request) (string, error) {
	if req.ChartPath == "" {
		return "", errors.New("envmesh-helm-renderer: showValues needs chartPath")
	}
	show := action.NewShow(action.ShowValues)
	chartPath, err := show.ChartPathOptions.LocateChart(req.ChartPath, cli.New())
	if err != nil {
		return "", err
	}
	return show.Run(chartPath)
}
