// Package clusters is the registry of the clusters a multi-cluster
// Application is delivered to: each has a name, labels (what topology
// policies select on) and how to connect. Clusters come from three places,
// read into one model:
//
//   - kubeconfig contexts, for push mode from CI: every context a cluster
//     (FromKubeconfig with All), or the contexts a clusters.yaml in the
//     config repo names, with their labels (ReadFile);
//   - KubeVela's cluster Secrets in the hub (namespace vela-system, label
//     cluster.core.oam.dev/cluster-credential-type: X509Certificate or
//     ServiceAccountToken, keys endpoint, ca.crt, tls.crt, tls.key, token),
//     so clusters joined with `vela cluster join` are found as they are
//     (FromSecret); SecretFor writes the same Secrets for `kubectl gitops
//     cluster join`;
//   - Local, the cluster the command or agent talks to, always present and
//     named "local", as KubeVela's is.
//
// New merges them: a name given twice is an error naming both origins.
// Credentials never appear in errors or listings.
package clusters
