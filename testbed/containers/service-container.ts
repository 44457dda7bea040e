import type { TaskLaunch } from '../local/service-instance.js';
import { ContainerProcess } from './container-process.js';

/**
 * A payment service task as a container of the service image: the artifact that ships, run by its
 * own CMD with the environment contract infra/ gives it (host networking: it reaches its AZ's
 * fault proxies on 127.0.0.1 as a process task does). `image_id` is what the engine resolved at boot.
 */
export function serviceContainer(o: { image: string; image_id: string; az: string }): TaskLaunch {
  return {
    process: (spec) => new ContainerProcess({ ...spec, command: '', args: [] },
      { image: o.image, expect_image_id: o.image_id, image_cmd: true, az: o.az, role: 'service-task' }),
    ready_timeout_ms: 30_000,
  };
}
