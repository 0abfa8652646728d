// Package cluster runs a real local Kubernetes control plane for e2e tests
// and `make cluster-up`: etcd (Debian's etcd-server, installed with apt-get
// when missing), kube-apiserver, kube-controller-manager and kube-scheduler
// (built once from the Go module proxy through the hack/tools module and
// cached under the user cache dir, keyed by version) and kwok with one fake
// node, so Deployments really become Available.
//
// Everything listens on 127.0.0.1 on ports picked at run time, keeps its
// state in one directory, and records a pid file per process so Stop (or
// StopDir from another process) ends exactly what was started.
//
// A test package starts one cluster in TestMain and gives each test its own
// namespace:
//
//	var env *cluster.Cluster
//
//	func TestMain(m *testing.M) { os.Exit(cluster.Main(m, &env)) }
//
//	func TestSomething(t *testing.T) {
//		ns := env.NewNamespace(t)
//		...
//	}
//
// With -short, Main starts nothing and NewNamespace skips the test with a
// message saying so.
package cluster
