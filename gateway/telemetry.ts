/**
 * Apollo's telemetry, off unless the operator turns it on.
 *
 * What in our Apollo packages would talk to Apollo (or to a cloud provider):
 * - @apollo/gateway, on every `new ApolloGateway`, starts a metrics exporter
 *   that sends usage data (uptime, CPU count, OS, cloud provider) to Apollo
 *   (`APOLLO_OTEL_METRICS_URL`), and for that probes the cloud metadata
 *   endpoints (AWS/Azure 169.254.169.254, GCP metadata.google.internal,
 *   Alibaba 100.100.100.200). It skips all of this only when
 *   `process.env.APOLLO_TELEMETRY_DISABLED` is `true` or `1`.
 * - @apollo/server installs usage reporting when APOLLO_KEY and a graph ref are
 *   in the environment, and schema reporting when APOLLO_SCHEMA_REPORTING=true.
 * (The gateway's Uplink is never used: we always pass `supergraphSdl`. The
 * Sandbox landing page is loaded by the browser from Apollo's CDN; see
 * docs/client.md.)
 *
 * APOLLO_TELEMETRY_DISABLED, read here: unset, `true` or `1` (or `yes`, `on`; the default):
 * all of the above is off — the variable is set to `true` in this process for
 * @apollo/gateway, and Apollo Server gets its "disabled" plugins for usage and
 * schema reporting. `false` or `0` (or `no`, `off`): Apollo's own defaults apply (and the
 * variable is set to `false` in this process).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginSchemaReportingDisabled, ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { envVar, readEnv } from '../platform/env.ts';

type Env = Record<string, string | undefined>;

/** Whether Apollo's telemetry stays off (APOLLO_TELEMETRY_DISABLED; default true). */
export function apolloTelemetryDisabled(env: Env): boolean {
  return readEnv(env, { APOLLO_TELEMETRY_DISABLED: envVar.bool(true) }).APOLLO_TELEMETRY_DISABLED;
}

/**
 * Applies the switch before the gateway is built: returns the Apollo Server
 * plugins that keep reporting off (none when telemetry is allowed).
 */
export function apolloTelemetrySwitch<T extends object>(env: Env): ApolloServerPlugin<T>[] {
  const disabled = apolloTelemetryDisabled(env);
  // @apollo/gateway reads process.env itself, in its constructor
  process.env.APOLLO_TELEMETRY_DISABLED = disabled ? 'true' : 'false';
  if (!disabled) return [];
  return [ApolloServerPluginUsageReportingDisabled(), ApolloServerPluginSchemaReportingDisabled()] as ApolloServerPlugin<T>[];
}
