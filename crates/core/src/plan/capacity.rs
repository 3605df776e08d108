//! Capacity: the platform's resource requests summed and compared with the worker nodes
//! (CLUSTER_NODES × NODE_CPU / NODE_MEMORY; by default the seeds' minimum: 4 vCPU / 8 GB, one node
//! on single-node, three workers on multi-node), to tell how many workspace pods fit beside it,
//! and whether each pod fits on one node at all.

use super::Resources;
use crate::config::Config;
use serde::Serialize;

/// What each node keeps for the kubelet, the OS and the cluster's own daemons (k3s or
/// kube-proxy, CNI, DNS); a 4 vCPU / 8 GB node leaves 3500m and 6656 MiB to pods.
pub const NODE_RESERVED_MILLICPU: u64 = 500;
pub const NODE_RESERVED_MIB: u64 = 1536;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Capacity {
    pub nodes: u64,
    pub allocatable_millicpu: u64,
    pub allocatable_mib: u64,
    /// The platform's long-running pods (seed Jobs finish and are not counted).
    pub platform_millicpu: u64,
    pub platform_mib: u64,
    pub workspace_millicpu: u64,
    pub workspace_mib: u64,
    /// Workspace pods that fit in what the platform leaves (on the run-time pool when there is
    /// one).
    pub workspaces: u64,
    /// The run-time pool (RUNTIME_NODE_SELECTOR with RUNTIME_NODES), when the run-time pods have
    /// nodes of their own: the platform is then counted on `nodes` alone.
    pub pool: Option<Pool>,
    /// Pods that request more than one node leaves to pods: they never schedule.
    pub oversized: Vec<Oversized>,
}

/// A pod larger than any node it may run on.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Oversized {
    /// The keys that size it (`CONTROL_PLANE_CPU`, `CONTROL_PLANE_MEMORY`).
    pub cpu_key: &'static str,
    pub memory_key: &'static str,
    pub millicpu: u64,
    pub mib: u64,
    /// What one of its nodes leaves to pods.
    pub node_millicpu: u64,
    pub node_mib: u64,
    /// Whether it runs on the run-time pool (else on the platform's nodes).
    pub on_pool: bool,
}

/// Pods the platform keeps running: how many at most (an autoscaler's top), and each one's size.
#[derive(Debug, Clone, Copy)]
pub struct Demand<'a> {
    pub pods: u64,
    pub resources: &'a Resources,
}

/// The nodes the run-time pods have to themselves.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Pool {
    pub nodes: u64,
    pub allocatable_millicpu: u64,
    pub allocatable_mib: u64,
}

/// What one node of `millicpu` and `mib` MiB leaves to pods.
fn per_node(millicpu: u64, mib: u64) -> (u64, u64) {
    (
        millicpu.saturating_sub(NODE_RESERVED_MILLICPU),
        mib.saturating_sub(NODE_RESERVED_MIB),
    )
}

/// What `nodes` nodes leave to pods, each leaving `(millicpu, mib)`.
fn times(nodes: u64, (millicpu, mib): (u64, u64)) -> (u64, u64) {
    (nodes.saturating_mul(millicpu), nodes.saturating_mul(mib))
}

/// Sum the platform's pods and see how many workspaces fit beside them on the nodes the
/// configuration declares; `runtime` are the sizes of the pods the platform creates at run time
/// (workspaces, sandbox pods, browser sessions), which only need to fit on one node.
pub fn compute(config: &Config, platform: &[Demand], runtime: &[&Resources]) -> Capacity {
    let (mut cpu, mut mem) = (0u64, 0u64);
    for demand in platform {
        let r = demand.resources;
        cpu = cpu.saturating_add(demand.pods.saturating_mul(r.cpu.millis()));
        mem = mem.saturating_add(demand.pods.saturating_mul(r.memory.mib()));
    }
    let cluster = &config.cluster;
    let nodes = u64::from(cluster.nodes);
    let node = per_node(cluster.node_cpu.millis(), cluster.node_memory.mib());
    let (alloc_cpu, alloc_mem) = times(nodes, node);
    let workspace = &config.agents.workspace;
    let (ws_cpu, ws_mem) = (workspace.cpu.millis().max(1), workspace.memory.mib().max(1));
    let pool_nodes = config.placement.runtime.nodes.as_ref();
    let pool_node = pool_nodes.map(|p| per_node(p.cpu.millis(), p.memory.mib()));
    let pool = pool_nodes.zip(pool_node).map(|(p, one)| {
        let nodes = u64::from(p.count);
        let (cpu, mib) = times(nodes, one);
        Pool {
            nodes,
            allocatable_millicpu: cpu,
            allocatable_mib: mib,
        }
    });
    // Workspaces share the platform's nodes, or have the pool to themselves.
    let (room_cpu, room_mem) = match &pool {
        Some(p) => (p.allocatable_millicpu, p.allocatable_mib),
        None => (alloc_cpu.saturating_sub(cpu), alloc_mem.saturating_sub(mem)),
    };
    Capacity {
        nodes,
        allocatable_millicpu: alloc_cpu,
        allocatable_mib: alloc_mem,
        platform_millicpu: cpu,
        platform_mib: mem,
        workspace_millicpu: ws_cpu,
        workspace_mib: ws_mem,
        workspaces: (room_cpu / ws_cpu).min(room_mem / ws_mem),
        pool,
        oversized: oversized(platform, runtime, node, pool_node),
    }
}

/// The pods larger than one node they may run on: the platform's on the platform's nodes
/// (`node` each), the run-time ones on the pool's (`pool_node`) when there is one. Sizes napgen
/// fixes itself name no key and are left out.
fn oversized(
    platform: &[Demand],
    runtime: &[&Resources],
    node: (u64, u64),
    pool_node: Option<(u64, u64)>,
) -> Vec<Oversized> {
    let platform_pods = platform.iter().map(|d| (d.resources, node, false));
    let runtime_pods = runtime
        .iter()
        .map(|r| (*r, pool_node.unwrap_or(node), pool_node.is_some()));
    platform_pods
        .chain(runtime_pods)
        .filter_map(|(r, (node_millicpu, node_mib), on_pool)| {
            let keys = r.keys?;
            let (millicpu, mib) = (r.cpu.millis(), r.memory.mib());
            (millicpu > node_millicpu || mib > node_mib).then_some(Oversized {
                cpu_key: keys.cpu,
                memory_key: keys.memory,
                millicpu,
                mib,
                node_millicpu,
                node_mib,
                on_pool,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::resources;

    fn config_of(values: &str) -> Config {
        let (entries, diagnostics) = crate::config::dotenv::parse_dotenv(values, "values.env");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let config = crate::config::validate::validate(&entries).config;
        config.expect("valid values")
    }

    /// Two pods of `r`.
    fn two(r: &Resources) -> [Demand<'_>; 1] {
        [Demand {
            pods: 2,
            resources: r,
        }]
    }

    #[test]
    fn a_pod_larger_than_its_nodes_is_found_on_the_nodes_it_runs_on() {
        let config = config_of(
            "RUNTIME_NODE_SELECTOR=pool=agents\nRUNTIME_NODES=2\nRUNTIME_NODE_CPU=8\nRUNTIME_NODE_MEMORY=16Gi\n\
             CONTROL_PLANE_MEMORY=10Gi\nWORKSPACE_MEMORY=12Gi\n",
        );
        let platform = &config.services.control_plane.resources;
        let workspace = &config.agents.workspace;
        let c = compute(&config, &two(platform), &[workspace]);
        // 12Gi fits a 16Gi pool node; 10Gi does not fit an 8Gi platform node.
        assert_eq!(
            c.oversized,
            [Oversized {
                cpu_key: "CONTROL_PLANE_CPU",
                memory_key: "CONTROL_PLANE_MEMORY",
                millicpu: 250,
                mib: 10240,
                node_millicpu: 3500,
                node_mib: 6656,
                on_pool: false,
            }]
        );
        let config = config_of(
            "RUNTIME_NODE_SELECTOR=pool=agents\nRUNTIME_NODES=2\nRUNTIME_NODE_CPU=8\nRUNTIME_NODE_MEMORY=16Gi\n\
             WORKSPACE_CPU=9\n",
        );
        let c = compute(&config, &[], &[&config.agents.workspace]);
        let found: Vec<_> = c
            .oversized
            .iter()
            .map(|o| (o.cpu_key, o.on_pool, o.node_millicpu))
            .collect();
        assert_eq!(found, [("WORKSPACE_CPU", true, 7500)]);
        // Sizes napgen fixes itself name no key and are not reported.
        let fixed = resources("64", "1Ti", "64");
        assert!(compute(&config, &two(&fixed), &[]).oversized.is_empty());
    }

    #[test]
    fn a_run_time_pool_holds_the_workspaces_and_the_platform_the_rest() {
        let config = config_of(
            "NODE_CPU=4\nNODE_MEMORY=8Gi\nWORKSPACE_CPU=1\nWORKSPACE_MEMORY=2Gi\n\
             RUNTIME_NODE_SELECTOR=pool=agents\nRUNTIME_NODES=2\nRUNTIME_NODE_CPU=8\nRUNTIME_NODE_MEMORY=16Gi\n",
        );
        let r = resources("500m", "1Gi", "1");
        let c = compute(&config, &two(&r), &[]);
        let pool = c.pool.clone().expect("a pool");
        // Two pool nodes of 7500m and 14848 MiB each: 15 by CPU, 14 by memory.
        assert_eq!(
            (pool.nodes, pool.allocatable_millicpu, pool.allocatable_mib),
            (2, 15000, 29696)
        );
        assert_eq!(c.workspaces, 14);
        // The platform is counted on the platform's node alone.
        assert_eq!((c.allocatable_millicpu, c.platform_millicpu), (3500, 1000));
        // The pool's size defaults to the platform nodes' size.
        let c = compute(
            &config_of(
                "RUNTIME_NODE_SELECTOR=pool=agents\nRUNTIME_NODES=1\nWORKSPACE_MEMORY=1Gi\n",
            ),
            &two(&r),
            &[],
        );
        assert_eq!(c.pool.map(|p| p.allocatable_mib), Some(6656));
    }

    #[test]
    fn counts_workspaces_that_fit() {
        let config =
            config_of("NODE_CPU=4\nNODE_MEMORY=8Gi\nWORKSPACE_CPU=1\nWORKSPACE_MEMORY=2Gi\n");
        let r = resources("500m", "1Gi", "1");
        let c = compute(&config, &two(&r), &[]);
        assert_eq!((c.platform_millicpu, c.platform_mib), (1000, 2048));
        // 2500m CPU and 4608 MiB left: two workspaces by memory.
        assert_eq!(c.workspaces, 2);
    }

    /// Every memory unit validation accepts counts: `1Pi` once gave 0 MiB (and room for no
    /// workspace), because capacity knew fewer units than validation.
    #[test]
    fn every_accepted_unit_counts() {
        let c = compute(&config_of("NODE_MEMORY=1Pi\n"), &[], &[]);
        assert_eq!(c.allocatable_mib, (1 << 30) - NODE_RESERVED_MIB);
        assert!(c.workspaces > 0, "{c:?}");
        for (memory, mib) in [
            ("1Ei", 1u64 << 40),
            ("1P", 953_674_317),
            ("8E", 7_629_394_531_250),
            ("16Gi", 16384),
            ("8G", 7630),
        ] {
            let c = compute(&config_of(&format!("NODE_MEMORY={memory}\n")), &[], &[]);
            assert_eq!(c.allocatable_mib, mib - NODE_RESERVED_MIB, "{memory}");
        }
        let c = compute(
            &config_of("NODE_CPU=3500m\nWORKSPACE_CPU=0.5\nWORKSPACE_MEMORY=1.5Gi\n"),
            &[],
            &[],
        );
        assert_eq!(
            (
                c.allocatable_millicpu,
                c.workspace_millicpu,
                c.workspace_mib
            ),
            (3000, 500, 1536)
        );
    }
}
