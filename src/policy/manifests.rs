//! Conftest-style policies over generated Kubernetes objects (`[policies] manifests`).
//! Placeholder until the Kubernetes target lands.
