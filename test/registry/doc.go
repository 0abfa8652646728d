// Package registry runs a real container registry for tests:
// go-containerregistry's pkg/registry (an in-memory registry speaking the
// OCI distribution API) on 127.0.0.1, optionally behind HTTP basic auth,
// with tag lists served in pages linked by `Link: <…>; rel="next"` headers
// as Docker Hub and distribution do.
//
// Images are pushed by the test, over HTTP with the registry's own
// credentials, with go-containerregistry's client: a random image, tagged
// with each tag given.
//
//	reg := registry.Start(t, registry.Options{Username: "ci", Password: "s3cret", PageSize: 100})
//	reg.MustPush(t, "testapp", "master-1a2b3c4-1700000000", "master-5d6e7f8-1700000500")
//	image := reg.Repository("testapp") // 127.0.0.1:PORT/testapp
//
// Image references to 127.0.0.1 use plain HTTP in go-containerregistry, so
// no TLS set-up is needed. New and Close are the same without a
// testing.TB, for benchmarks' set-up and demos.
package registry
