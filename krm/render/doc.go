// Package render expands OAM Applications into Kubernetes objects: each
// component's definition template is evaluated with its properties and a
// context, traits patch the workload and add auxiliary objects, and the
// common OAM labels and names are stamped on everything.
//
// It is pure: no network, no cluster, no files but what it is handed.
package render
