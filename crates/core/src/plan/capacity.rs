//! Capacity: the platform's resource requests summed and compared with the worker nodes
//! (CLUSTER_NODES × NODE_CPU / NODE_MEMORY; by default the seeds' minimum: 4 vCPU / 8 GB, one node
//! on single-node, three workers on multi-node), to tell how many workspace pods fit beside it.

use crate::data::{into_data, Data};
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
    /// Workspace pods that fit in what the platform leaves.
    pub workspaces: u64,
}

into_data!(Capacity {
    nodes,
    allocatable_millicpu,
    allocatable_mib,
    platform_millicpu,
    platform_mib,
    workspace_millicpu,
    workspace_mib,
    workspaces
});

/// Millicores of a CPU quantity (`500m`, `1`, `0.5`).
pub fn millicpu(q: &str) -> u64 {
    match q.strip_suffix('m') {
        Some(m) => m.parse().unwrap_or(0),
        None => (q.parse::<f64>().unwrap_or(0.0) * 1000.0).round() as u64,
    }
}

/// MiB of a memory quantity (`512Mi`, `2Gi`, `1G`), rounded up.
pub fn mib(q: &str) -> u64 {
    let units: [(&str, f64); 8] = [
        ("Ki", 1.0 / 1024.0),
        ("Mi", 1.0),
        ("Gi", 1024.0),
        ("Ti", 1024.0 * 1024.0),
        ("k", 1e3 / 1048576.0),
        ("M", 1e6 / 1048576.0),
        ("G", 1e9 / 1048576.0),
        ("T", 1e12 / 1048576.0),
    ];
    for (suffix, factor) in units {
        if let Some(n) = q.strip_suffix(suffix) {
            return (n.parse::<f64>().unwrap_or(0.0) * factor).ceil() as u64;
        }
    }
    (q.parse::<f64>().unwrap_or(0.0) / 1048576.0).ceil() as u64
}

/// Sum `(replicas, resources)` pairs and see how many workspaces fit beside them.
pub fn compute(
    nodes: u64,
    node_cpu: &str,
    node_memory: &str,
    pods: &[(u64, &Data)],
    workspace_cpu: &str,
    workspace_memory: &str,
) -> Capacity {
    let (mut cpu, mut mem) = (0, 0);
    for (replicas, resources) in pods {
        cpu += replicas * millicpu(resources["requests"]["cpu"].as_str().unwrap_or("0"));
        mem += replicas * mib(resources["requests"]["memory"].as_str().unwrap_or("0"));
    }
    let alloc_cpu = nodes * millicpu(node_cpu).saturating_sub(NODE_RESERVED_MILLICPU);
    let alloc_mem = nodes * mib(node_memory).saturating_sub(NODE_RESERVED_MIB);
    let (ws_cpu, ws_mem) = (millicpu(workspace_cpu).max(1), mib(workspace_memory).max(1));
    let workspaces =
        (alloc_cpu.saturating_sub(cpu) / ws_cpu).min(alloc_mem.saturating_sub(mem) / ws_mem);
    Capacity {
        nodes,
        allocatable_millicpu: alloc_cpu,
        allocatable_mib: alloc_mem,
        platform_millicpu: cpu,
        platform_mib: mem,
        workspace_millicpu: ws_cpu,
        workspace_mib: ws_mem,
        workspaces,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::data;

    #[test]
    fn quantities() {
        assert_eq!(millicpu("250m"), 250);
        assert_eq!(millicpu("1"), 1000);
        assert_eq!(millicpu("0.5"), 500);
        assert_eq!(mib("512Mi"), 512);
        assert_eq!(mib("2Gi"), 2048);
        assert_eq!(mib("1G"), 954);
    }

    #[test]
    fn counts_workspaces_that_fit() {
        let r = data!({"requests": {"cpu": "500m", "memory": "1Gi"}});
        let c = compute(1, "4", "8Gi", &[(2, &r)], "1", "2Gi");
        assert_eq!((c.platform_millicpu, c.platform_mib), (1000, 2048));
        // 2500m CPU and 4608 MiB left: two workspaces by memory.
        assert_eq!(c.workspaces, 2);
    }
}
