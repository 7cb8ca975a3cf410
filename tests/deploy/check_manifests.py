#!/usr/bin/env python3
"""check_manifests.py: structural checks on evgend's rendered Kubernetes manifests.

Usage: check_manifests.py VARIANT=RENDERED.yaml ...   (VARIANT is cpu or gpu)

Each file is the output of `kubectl kustomize deploy/overlays/VARIANT`. Every
failed check is printed (file, object, what was expected); the exit status is
1 if any failed. tests/deploy/check_manifests.sh renders the overlays and runs
this.
"""
import os
import re
import sys

import yaml

GRPC_PORT = 50051
METRICS_PORT = 9464
REQUIRED_KINDS = ["Deployment", "Service", "PersistentVolumeClaim", "ConfigMap", "Secret",
                  "ServiceMonitor", "PodDisruptionBudget", "HorizontalPodAutoscaler"]
VAR_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


class Checker:
    def __init__(self, variant, path):
        self.variant = variant
        self.path = path
        self.failures = []
        with open(path) as f:
            self.objects = [o for o in yaml.safe_load_all(f) if o]

    def fail(self, what):
        self.failures.append(f"{self.path} ({self.variant}): {what}")

    def expect(self, ok, what):
        if not ok:
            self.fail(what)
        return ok

    def of_kind(self, kind):
        return [o for o in self.objects if o.get("kind") == kind]

    def named(self, kind, name):
        return next((o for o in self.of_kind(kind) if o["metadata"]["name"] == name), None)

    def run(self):
        for kind in REQUIRED_KINDS:
            self.expect(self.of_kind(kind), f"no {kind} rendered")
        deployments = self.of_kind("Deployment")
        if not self.expect(len(deployments) == 1, f"expected one Deployment, got {len(deployments)}"):
            return
        dep = deployments[0]
        pod = dep["spec"]["template"]["spec"]
        pod_labels = dep["spec"]["template"]["metadata"].get("labels", {})
        containers = [c for c in pod.get("containers", []) if c["name"] == "evgend"]
        if not self.expect(len(containers) == 1, "Deployment has no container named evgend"):
            return
        c = containers[0]
        flags = self.check_args(c, pod)
        self.check_deployment(dep, pod_labels)
        self.check_probes(c)
        self.check_resources(c)
        self.check_security(pod, c)
        self.check_volumes(pod, c, flags)
        services = self.check_services(pod_labels, c)
        self.check_service_monitor(services)
        self.check_hpa_pdb(dep, pod_labels)
        self.check_variant(pod, c, flags)

    # Container args, with $(VAR) replaced by the env value or ConfigMap key it names.
    def check_args(self, c, pod):
        env = {}
        for e in c.get("env", []):
            if "value" in e:
                env[e["name"]] = str(e["value"])
            ref = e.get("valueFrom", {}).get("configMapKeyRef")
            if ref:
                cm = self.named("ConfigMap", ref["name"])
                if self.expect(cm is not None, f"env {e['name']} names ConfigMap {ref['name']}, not rendered") and \
                        self.expect(ref["key"] in cm.get("data", {}),
                                    f"env {e['name']}: ConfigMap {ref['name']} has no key {ref['key']}"):
                    env[e["name"]] = str(cm["data"][ref["key"]])
        flags = {}
        for arg in c.get("args", []):
            for var in VAR_REF.findall(arg):
                self.expect(var in env, f"arg {arg} uses $({var}), which the container's env does not define")
            arg = VAR_REF.sub(lambda m: env.get(m.group(1), m.group(0)), arg)
            if self.expect(arg.startswith("--") and "=" in arg, f"arg {arg!r} is not --flag=value"):
                name, value = arg[2:].split("=", 1)
                flags[name] = value
        wanted = {"listen": f"0.0.0.0:{GRPC_PORT}", "data-dir": "/var/lib/evgen",
                  "metrics-listen": f"0.0.0.0:{METRICS_PORT}", "auth-tokens": "/etc/evgen/tokens/tokens"}
        for name, value in wanted.items():
            self.expect(flags.get(name) == value, f"--{name} is {flags.get(name)!r}, want {value!r}")
        for name in ["max-sample-rows", "heavy-threads", "max-heavy-calls", "training-workers"]:
            self.expect(flags.get(name, "").isdigit(), f"--{name} is {flags.get(name)!r}, want a number")
        drain = flags.get("drain-seconds", "")
        notice = flags.get("drain-notice-seconds", "0")
        if self.expect(drain.isdigit() and notice.isdigit(),
                       f"--drain-seconds {drain!r} and --drain-notice-seconds {notice!r}: want numbers"):
            grace = pod.get("terminationGracePeriodSeconds", 30)
            self.expect(grace > int(notice) + int(drain),
                        f"terminationGracePeriodSeconds {grace} does not outlast --drain-notice-seconds "
                        f"{notice} + --drain-seconds {drain}")
        return flags

    def check_deployment(self, dep, pod_labels):
        selector = dep["spec"]["selector"].get("matchLabels", {})
        self.expect(selector and selector.items() <= pod_labels.items(),
                    f"Deployment selector {selector} does not match its pod labels {pod_labels}")
        # A new pod cannot take the data-dir lock (or attach the ReadWriteOnce
        # volume elsewhere) while the old one runs; RollingUpdate would stall.
        strategy = dep["spec"].get("strategy", {}).get("type", "RollingUpdate")
        self.expect(strategy == "Recreate",
                    f"Deployment strategy is {strategy}, want Recreate (one server per data dir)")
        self.expect(dep["spec"].get("replicas", 1) == 1,
                    "Deployment replicas > 1: evgend's data-dir lock allows one server per volume")

    def check_probes(self, c):
        for kind in ["livenessProbe", "readinessProbe"]:
            probe = c.get(kind)
            if not self.expect(probe, f"container has no {kind}"):
                continue
            self.expect(probe.get("grpc", {}).get("port") == GRPC_PORT,
                        f"{kind} is not a grpc probe on port {GRPC_PORT}: {probe}")
            for other in ["httpGet", "tcpSocket", "exec"]:
                self.expect(other not in probe, f"{kind} has {other} besides grpc")
        if "startupProbe" in c:
            self.expect(c["startupProbe"].get("grpc", {}).get("port") == GRPC_PORT,
                        f"startupProbe is not a grpc probe on port {GRPC_PORT}")
        ports = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}
        self.expect(ports.get("grpc") == GRPC_PORT, f"container port grpc is {ports.get('grpc')}, want {GRPC_PORT}")
        self.expect(ports.get("metrics") == METRICS_PORT,
                    f"container port metrics is {ports.get('metrics')}, want {METRICS_PORT}")

    def check_resources(self, c):
        res = c.get("resources", {})
        for section in ["requests", "limits"]:
            for name in ["cpu", "memory"]:
                self.expect(name in res.get(section, {}), f"container resources.{section}.{name} not set")

    def check_security(self, pod, c):
        psc, csc = pod.get("securityContext", {}), c.get("securityContext", {})

        def effective(key):  # the container's setting wins over the pod's
            return csc.get(key, psc.get(key))

        self.expect(effective("runAsNonRoot") is True, "runAsNonRoot is not true")
        self.expect(effective("runAsUser") == 10001, f"runAsUser is {effective('runAsUser')}, want 10001")
        self.expect(csc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem is not true")
        self.expect(csc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation is not false")
        self.expect("ALL" in csc.get("capabilities", {}).get("drop", []), "capabilities.drop lacks ALL")
        self.expect(not csc.get("capabilities", {}).get("add"), "capabilities.add is not empty")
        self.expect(not csc.get("privileged"), "container is privileged")
        seccomp = (effective("seccompProfile") or {}).get("type")
        self.expect(seccomp == "RuntimeDefault", f"seccompProfile type is {seccomp}, want RuntimeDefault")

    def mount_of(self, c, volume_name):
        return next((m for m in c.get("volumeMounts", []) if m["name"] == volume_name), None)

    def check_volumes(self, pod, c, flags):
        volumes = pod.get("volumes", [])
        pvcs = [v for v in volumes if "persistentVolumeClaim" in v]
        data_dir = flags.get("data-dir")
        data_mounts = [self.mount_of(c, v["name"]) for v in pvcs]
        data = [(v, m) for v, m in zip(pvcs, data_mounts) if m and m["mountPath"] == data_dir]
        if self.expect(data, f"no PersistentVolumeClaim volume mounted at --data-dir {data_dir}"):
            v, m = data[0]
            claim = v["persistentVolumeClaim"]["claimName"]
            self.expect(self.named("PersistentVolumeClaim", claim) is not None,
                        f"data volume claims {claim}, which is not rendered")
            self.expect(not m.get("readOnly"), "the data volume is mounted read-only")

        tokens = flags.get("auth-tokens", "")
        token_dir, token_file = os.path.dirname(tokens), os.path.basename(tokens)
        secrets = [v for v in volumes if "secret" in v]
        mounted = [(v, self.mount_of(c, v["name"])) for v in secrets]
        mounted = [(v, m) for v, m in mounted if m and m["mountPath"] == token_dir]
        if self.expect(mounted, f"no Secret volume mounted at {token_dir} (--auth-tokens {tokens})"):
            v, m = mounted[0]
            secret = self.named("Secret", v["secret"]["secretName"])
            if self.expect(secret is not None, f"tokens volume names Secret {v['secret']['secretName']}, not rendered"):
                keys = set(secret.get("data", {})) | set(secret.get("stringData", {}))
                items = v["secret"].get("items")
                files = {i["path"]: i["key"] for i in items} if items else {k: k for k in keys}
                self.expect(files.get(token_file) in keys,
                            f"Secret volume at {token_dir} has no file {token_file} from a key of {sorted(keys)}")
            self.expect(m.get("readOnly") is True, "the tokens Secret is not mounted readOnly")

        mount_paths = [m["mountPath"] for m in c.get("volumeMounts", [])]
        self.expect("/tmp" in mount_paths, "no writable /tmp volume under the read-only root filesystem")

    def check_services(self, pod_labels, c):
        container_ports = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}
        cluster_ip, headless = [], []
        for svc in self.of_kind("Service"):
            spec, name = svc["spec"], svc["metadata"]["name"]
            selector = spec.get("selector", {})
            self.expect(selector and selector.items() <= pod_labels.items(),
                        f"Service {name} selector {selector} does not select the evgend pods")
            for p in spec.get("ports", []):
                target = p.get("targetPort", p["port"])
                target = container_ports.get(target) if isinstance(target, str) else target
                self.expect(target == p["port"],
                            f"Service {name} port {p.get('name')} targets {p.get('targetPort')}, "
                            f"not container port {p['port']}")
            (headless if spec.get("clusterIP") == "None" else cluster_ip).append(svc)

        def ports(svc):
            return {p.get("name"): p["port"] for p in svc["spec"].get("ports", [])}

        if self.expect(len(cluster_ip) == 1, f"expected one ClusterIP Service, got {len(cluster_ip)}"):
            svc = cluster_ip[0]
            self.expect(svc["spec"].get("type", "ClusterIP") == "ClusterIP", "the evgend Service is not type ClusterIP")
            self.expect(ports(svc).get("grpc") == GRPC_PORT, f"ClusterIP Service has no port grpc {GRPC_PORT}")
            self.expect(ports(svc).get("metrics") == METRICS_PORT,
                        f"ClusterIP Service has no port metrics {METRICS_PORT}")
        if self.expect(len(headless) == 1, f"expected one headless Service (clusterIP: None), got {len(headless)}"):
            self.expect(ports(headless[0]).get("grpc") == GRPC_PORT, f"headless Service has no port grpc {GRPC_PORT}")
        return cluster_ip + headless

    def check_service_monitor(self, services):
        for sm in self.of_kind("ServiceMonitor"):
            self.expect(sm["apiVersion"] == "monitoring.coreos.com/v1", f"ServiceMonitor apiVersion {sm['apiVersion']}")
            match = sm["spec"].get("selector", {}).get("matchLabels", {})
            selected = [s for s in services if match and match.items() <= s["metadata"].get("labels", {}).items()]
            if not self.expect(selected, f"ServiceMonitor selector {match} selects no rendered Service"):
                continue
            endpoints = sm["spec"].get("endpoints", [])
            self.expect(endpoints, "ServiceMonitor has no endpoints")
            for ep in endpoints:
                self.expect(ep.get("path", "/metrics") == "/metrics", f"ServiceMonitor scrapes {ep.get('path')}")
                scraped = [s for s in selected if ep.get("port") in {p.get("name") for p in s["spec"]["ports"]}]
                self.expect(scraped, f"ServiceMonitor port {ep.get('port')!r} is not a port of the Services it selects")
                for s in scraped:
                    port = next(p for p in s["spec"]["ports"] if p.get("name") == ep.get("port"))
                    self.expect(port["port"] == METRICS_PORT,
                                f"ServiceMonitor scrapes port {port['port']}, want {METRICS_PORT}")

    def check_hpa_pdb(self, dep, pod_labels):
        for hpa in self.of_kind("HorizontalPodAutoscaler"):
            self.expect(hpa["apiVersion"] == "autoscaling/v2",
                        f"HPA apiVersion {hpa['apiVersion']}, want autoscaling/v2")
            ref = hpa["spec"]["scaleTargetRef"]
            self.expect(ref.get("kind") == "Deployment" and ref.get("name") == dep["metadata"]["name"]
                        and ref.get("apiVersion") == "apps/v1", f"HPA targets {ref}, not the evgend Deployment")
            cpu = [m for m in hpa["spec"].get("metrics", [])
                   if m.get("type") == "Resource" and m["resource"]["name"] == "cpu"]
            self.expect(cpu, "HPA has no cpu Resource metric")
            lo, hi = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
            self.expect(1 <= lo <= hi, f"HPA minReplicas {lo} / maxReplicas {hi}")
            # The data-dir lock: a second evgend on the volume exits at start-up.
            self.expect(hi == 1, f"HPA maxReplicas {hi}: evgend's data-dir lock allows one server per volume")
        for pdb in self.of_kind("PodDisruptionBudget"):
            match = pdb["spec"].get("selector", {}).get("matchLabels", {})
            self.expect(match and match.items() <= pod_labels.items(),
                        f"PodDisruptionBudget selector {match} does not select the evgend pods")
            self.expect(pdb["spec"].get("minAvailable") not in (1, "100%"),
                        "PodDisruptionBudget minAvailable would block every eviction of the one evgend pod")

    def check_variant(self, pod, c, flags):
        res = c.get("resources", {})
        gpus = [res.get(s, {}).get("nvidia.com/gpu") for s in ["requests", "limits"]]
        tolerations = [t for t in pod.get("tolerations", []) if t.get("key") == "nvidia.com/gpu"]
        node_selector = {k: v for k, v in pod.get("nodeSelector", {}).items() if k.startswith("nvidia.com/")}
        if self.variant == "gpu":
            self.expect(str(res.get("limits", {}).get("nvidia.com/gpu")) == "1", "gpu: limits nvidia.com/gpu is not 1")
            self.expect(tolerations, "gpu: no toleration for nvidia.com/gpu")
            self.expect(node_selector, "gpu: no nvidia.com/ nodeSelector")
            self.expect(c["image"].endswith(":gpu"), f"gpu: image {c['image']}, want tag gpu")
            self.expect(flags.get("training-workers") == "1",
                        f"gpu: --training-workers is {flags.get('training-workers')}, want 1 (one job per GPU)")
        elif self.variant == "cpu":
            self.expect(gpus == [None, None], "cpu: requests or limits nvidia.com/gpu")
            self.expect(not tolerations, "cpu: tolerates nvidia.com/gpu")
            self.expect(not node_selector, "cpu: selects nvidia.com/ nodes")
            self.expect(not c["image"].endswith(":gpu"), f"cpu: image {c['image']} is the gpu one")
        else:
            self.fail(f"unknown variant {self.variant}")


def main(argv):
    if len(argv) < 2 or any("=" not in a for a in argv[1:]):
        print(__doc__, file=sys.stderr)
        return 2
    failures = []
    for arg in argv[1:]:
        variant, path = arg.split("=", 1)
        checker = Checker(variant, path)
        checker.run()
        failures += checker.failures
        print(f"check_manifests: {variant}: {len(checker.objects)} objects, "
              f"{len(checker.failures)} failed checks")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
