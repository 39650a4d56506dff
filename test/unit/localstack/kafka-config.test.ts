import { describe, expect, it } from 'vitest';
import { LOCAL_TOPIC_RETENTION, newClusterId, serverProperties } from '../../../localstack/src/engines/kafka';
import { localPorts } from '../../../localstack/src/settings';

describe('the local Kafka broker', () => {
  it('keeps local topics for a day and at most 64 MB per partition, in segments retention can delete', () => {
    const properties = serverProperties(localPorts(), '/tmp/kafka-log');
    expect(properties.split('\n')).toEqual(
      expect.arrayContaining([
        'log.retention.hours=24',
        `log.retention.bytes=${64 * 1024 * 1024}`,
        `log.segment.bytes=${16 * 1024 * 1024}`,
      ]),
    );
    expect(LOCAL_TOPIC_RETENTION.segmentBytes).toBeLessThan(LOCAL_TOPIC_RETENTION.bytesPerPartition);
  });

  it('gets a cluster id of its own whenever its data directory is formatted', () => {
    const ids = Array.from({ length: 200 }, newClusterId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});
