// Package helmrepo serves a real Helm chart repository for tests: an
// index.yaml written by the Helm SDK's own repo package and the charts it
// lists, packaged at start-up from chart directories (testdata/charts/…)
// with the SDK's chartutil.Save, served over HTTP on 127.0.0.1, optionally
// behind HTTP basic auth. No helm binary is needed.
//
//	srv := helmrepo.Start(t, helmrepo.Options{Charts: []string{"../../testdata/charts/mysql-operator"}})
//	srv.MustAdd(t, "../../testdata/charts/mysql-operator", "0.4.1") // the same chart as another version
//	url := srv.URL() // http://127.0.0.1:PORT/charts
//
// Package packages a chart directory into .tgz bytes, and PushOCI pushes
// packaged charts to an OCI registry (test/registry) with the Helm SDK's
// registry client, as `helm push` does. New and Close are the same as
// Start without a testing.TB, for a demo that keeps a repository running.
package helmrepo
