// Package remote groups the clients of servers other than a cluster: Git
// repositories (remote/gitrepo) and chart repositories (remote/charts).
// They do network and disk I/O but never talk to a Kubernetes API server,
// so both the plugin and the KRM functions use them; krm/ stays pure and
// imports neither.
package remote
