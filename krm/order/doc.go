// Package order turns a workflow plan and the objects its units rendered
// into apply order: waves of units (with the points where the workflow
// waits: suspend, approval, another Application), and the
// `config.kubernetes.io/depends-on` annotations kpt and cli-utils read.
//
// Annotations only link objects of one cluster, and only objects that are
// rendered: an object's dependencies are the objects of the nearest units it
// waits for that rendered objects in the same cluster, looking through
// waiting points, units left out by a selection, and units elsewhere.
package order
