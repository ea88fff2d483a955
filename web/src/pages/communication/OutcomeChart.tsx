// Delivery outcomes over time as three lines (delivered, failed, in progress), drawn as a small
// SVG. Each line has its own dash pattern as well as its colour, so the chart reads without
// colour; the legend shows the same patterns, and the image's label the latest figures in words.
import { Group, Stack, Text } from '@mantine/core';
import { count, timeOfDay } from './format';

export interface OutcomePoint {
  at: string;
  sent: number;
  delivered: number;
  deliveryErrors: number;
}

interface Series {
  key: 'delivered' | 'failed' | 'inProgress';
  label: string;
  color: string;
  dash: string;
  value: (p: OutcomePoint) => number;
}

const SERIES: Series[] = [
  { key: 'delivered', label: 'Delivered', color: 'var(--mantine-color-teal-8)', dash: '', value: (p) => p.delivered },
  { key: 'failed', label: 'Failed', color: 'var(--mantine-color-red-8)', dash: '6 3', value: (p) => p.deliveryErrors },
  {
    key: 'inProgress',
    label: 'In progress',
    color: 'var(--mantine-color-blue-8)',
    dash: '2 3',
    value: (p) => Math.max(0, p.sent - p.delivered - p.deliveryErrors),
  },
];

const W = 600;
const H = 160;
const PAD = { left: 48, right: 8, top: 8, bottom: 22 };

function scale(points: OutcomePoint[]) {
  const times = points.map((p) => Date.parse(p.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const top = Math.max(1, ...points.flatMap((p) => SERIES.map((s) => s.value(p))));
  const x = (t: number) => PAD.left + (t1 === t0 ? 0 : ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right));
  const y = (v: number) => PAD.top + (1 - v / top) * (H - PAD.top - PAD.bottom);
  return { times, t0, t1, top, x, y };
}

export function OutcomeChart({ points }: { points: OutcomePoint[] }) {
  if (points.length === 0) return null;
  const { times, t0, t1, top, x, y } = scale(points);
  const last = points[points.length - 1]!;
  const summary = SERIES.map((s) => `${s.label} ${count(s.value(last))}`).join(', ');
  return (
    <Stack gap={4}>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        width="100%"
        role="img"
        aria-label={`Delivery outcomes from ${timeOfDay(t0)} to ${timeOfDay(t1)}; now: ${summary}`}
        data-testid="outcome-chart"
        style={{ maxWidth: W, display: 'block' }}
      >
        <line x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} stroke="var(--mantine-color-gray-5)" />
        <line x1={PAD.left} x2={W - PAD.right} y1={y(top)} y2={y(top)} stroke="var(--mantine-color-gray-3)" />
        <text x={PAD.left - 6} y={y(top) + 4} textAnchor="end" fontSize={11} fill="var(--mantine-color-gray-8)">
          {count(top)}
        </text>
        <text x={PAD.left - 6} y={y(0) + 4} textAnchor="end" fontSize={11} fill="var(--mantine-color-gray-8)">
          0
        </text>
        <text x={PAD.left} y={H - 6} fontSize={11} fill="var(--mantine-color-gray-8)">
          {timeOfDay(t0)}
        </text>
        <text x={W - PAD.right} y={H - 6} textAnchor="end" fontSize={11} fill="var(--mantine-color-gray-8)">
          {timeOfDay(t1)}
        </text>
        {SERIES.map((s) => (
          <polyline
            key={s.key}
            data-series={s.key}
            fill="none"
            stroke={s.color}
            strokeWidth={2}
            strokeDasharray={s.dash || undefined}
            points={points.map((p, i) => `${x(times[i]!).toFixed(1)},${y(s.value(p)).toFixed(1)}`).join(' ')}
          />
        ))}
      </svg>
      <Group gap="md" aria-hidden>
        {SERIES.map((s) => (
          <Group key={s.key} gap={6} wrap="nowrap">
            <svg width={24} height={8}>
              <line x1={0} x2={24} y1={4} y2={4} stroke={s.color} strokeWidth={2} strokeDasharray={s.dash || undefined} />
            </svg>
            <Text size="sm">{s.label}</Text>
          </Group>
        ))}
      </Group>
    </Stack>
  );
}
