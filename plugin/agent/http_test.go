package agent

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestServeAnswersWhatItIsGiven(t *testing.T) {
	ready := false
	tests := []struct {
		name string
		e    Endpoints
		want map[string]int // path → status
	}{
		{"health only", Endpoints{}, map[string]int{
			"/healthz": 200, "/readyz": 404, "/metrics": 404, "/debug/pprof/": 404}},
		{"not ready yet", Endpoints{Ready: func() bool { return ready }}, map[string]int{
			"/healthz": 200, "/readyz": 503}},
		{"metrics without profiles", Endpoints{Metrics: NewMetrics()}, map[string]int{
			"/metrics": 200, "/debug/pprof/": 404}},
		{"metrics and profiles", Endpoints{Metrics: NewMetrics(), Profiling: true}, map[string]int{
			"/metrics": 200, "/debug/pprof/": 200, "/debug/pprof/cmdline": 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, stop, err := Serve("127.0.0.1:0", tt.e)
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			for path, want := range tt.want {
				resp, err := http.Get("http://" + addr + path)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Errorf("GET %s: %d, want %d (%s)", path, resp.StatusCode, want, strings.TrimSpace(string(body)))
				}
			}
		})
	}
}
