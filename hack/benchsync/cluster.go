package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/oamgitops/kubectl-gitops/test/cluster"
)

// benchCluster is a fresh local cluster for one side.
type benchCluster struct {
	*cluster.Cluster
	meter meter
	// applied are the resources whose writes count as the tool's.
	applied map[schema.GroupResource]bool
	// Start is how long the cluster took to start.
	Start time.Duration
}

// startCluster starts a cluster whose node has room for every replica of
// objs, and creates the objects' namespaces (waiting for their default
// ServiceAccounts, without which no pod can be created).
func startCluster(ctx context.Context, objs objectSet, log io.Writer) (*benchCluster, error) {
	start := time.Now()
	c, err := cluster.StartWithOptions(ctx, cluster.Options{
		Log: log,
		// kwok's pods take no resources: the node only has to be big
		// enough for the scheduler to place every replica.
		NodeCapacity: corev1.ResourceList{
			corev1.ResourcePods:   resource.MustParse(strconv.Itoa(objs.Replicas + 110)),
			corev1.ResourceCPU:    resource.MustParse("100k"),
			corev1.ResourceMemory: resource.MustParse("1Pi"),
		},
		// Room for 65534 Services, not the default 254.
		ServiceCIDR: "10.96.0.0/16",
	})
	if err != nil {
		return nil, err
	}
	bc := &benchCluster{Cluster: c, Start: time.Since(start)}
	if err := bc.prepare(ctx, objs); err != nil {
		return nil, errors.Join(err, c.Stop())
	}
	return bc, nil
}

func (bc *benchCluster) prepare(ctx context.Context, objs objectSet) error {
	httpClient, err := rest.HTTPClientFor(bc.RESTConfig)
	if err != nil {
		return fmt.Errorf("metrics client: %w", err)
	}
	bc.meter = meter{client: httpClient, server: bc.Server}
	dc, err := discovery.NewDiscoveryClientForConfig(bc.RESTConfig)
	if err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	groups, err := restmapper.GetAPIGroupResources(dc)
	if err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	if bc.applied, err = objs.resources(restmapper.NewDiscoveryRESTMapper(groups)); err != nil {
		return err
	}
	for _, ns := range objs.Namespaces {
		_, err := bc.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("namespace %s: %w", ns, err)
		}
	}
	for _, ns := range objs.Namespaces {
		if err := poll(ctx, time.Minute, "namespace "+ns+": default ServiceAccount", func() (bool, error) {
			_, err := bc.Client.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return false, nil
			}
			return err == nil, err
		}); err != nil {
			return err
		}
	}
	return nil
}

// availableDeployments counts the Deployments whose Available condition
// is True and whose replicas are all available, and returns the latest
// time one of them became Available (the condition's lastTransitionTime,
// to the second).
func (bc *benchCluster) availableDeployments(ctx context.Context) (int, time.Time, error) {
	list, err := bc.Client.AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("deployments: %w", err)
	}
	n := 0
	var last time.Time
	for _, d := range list.Items {
		want := int32(1)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		for _, c := range d.Status.Conditions {
			if c.Type == appsv1.DeploymentAvailable && c.Status == corev1.ConditionTrue && d.Status.AvailableReplicas == want {
				n++
				if c.LastTransitionTime.After(last) {
					last = c.LastTransitionTime.Time
				}
			}
		}
	}
	return n, last, nil
}

// poll calls check every half second until it reports done, it errs, or
// timeout passes.
func poll(ctx context.Context, timeout time.Duration, what string, check func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		done, err := check()
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}
