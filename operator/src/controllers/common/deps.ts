import type { StatusFeed } from '../../feedback/feed.ts';
import type { EventRecorder, KubeClient } from '../../kube/index.ts';
import type { BusProvisioner } from '../../bus/types.ts';
import type { Informers } from '../informers.ts';
import type { BusJanitor } from './cleanup.ts';
import type { WorkloadSettings } from './workload.ts';

/** What every controller works with; built once by the operator. */
export interface ControllerDeps {
  client: KubeClient;
  informers: Informers;
  /** Events on transitions; absent in tests that do not look at them. */
  recorder?: EventRecorder;
  workload: WorkloadSettings;
  janitor: BusJanitor;
  /** Creates each resource's streams and consumers on the bus; absent when the operator has no NATS URL. */
  bus?: BusProvisioner;
  now: () => Date;
  /** The runtime pods' stats as status fields and conditions; absent without a NATS bus. */
  feed?: StatusFeed;
}
