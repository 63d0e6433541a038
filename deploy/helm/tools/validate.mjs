// Validates rendered manifests against the Kubernetes API schemas: each
// YAML document's apiVersion/kind picks its model from kubernetes-models
// (core API), @kubernetes-models/keda (ScaledObject) or
// @kubernetes-models/prometheus-operator (ServiceMonitor), whose validate()
// checks the object against the API's OpenAPI schema (types, formats such
// as resource quantities, required fields, enums).
//
// Usage: node validate.mjs FILE.yaml...  Prints one line per object; exits 1
// when any object is invalid or of a kind this file does not know.
import fs from "node:fs";
import YAML from "yaml";
import * as apps from "kubernetes-models/apps/v1";
import * as core from "kubernetes-models/v1";
import * as policy from "kubernetes-models/policy/v1";
import * as autoscaling from "kubernetes-models/autoscaling/v2";
import * as batch from "kubernetes-models/batch/v1";
import * as keda from "@kubernetes-models/keda/keda.sh/v1alpha1";
import * as monitoring from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const models = {
  "apps/v1": apps,
  v1: core,
  "policy/v1": policy,
  "autoscaling/v2": autoscaling,
  "batch/v1": batch,
  "keda.sh/v1alpha1": keda,
  "monitoring.coreos.com/v1": monitoring,
};

export function validateText(text, source) {
  const problems = [];
  const objects = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length) {
      problems.push(`${source}: YAML: ${doc.errors[0].message}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue;
    const name = `${obj.kind}/${obj.metadata?.name}`;
    const Model = models[obj.apiVersion]?.[obj.kind];
    if (!Model) {
      problems.push(`${source}: ${name}: no schema for ${obj.apiVersion} ${obj.kind}`);
      continue;
    }
    try {
      new Model(obj).validate();
      objects.push(obj);
    } catch (e) {
      problems.push(`${source}: ${name}: ${e.message}`);
    }
  }
  return { objects, problems };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let failed = false;
  for (const file of process.argv.slice(2)) {
    const { objects, problems } = validateText(fs.readFileSync(file, "utf8"), file);
    for (const o of objects) console.log(`valid ${o.apiVersion} ${o.kind} ${o.metadata.name}`);
    for (const p of problems) console.log(`INVALID ${p}`);
    if (problems.length) failed = true;
  }
  process.exit(failed ? 1 : 0);
}
