import React, { useMemo } from 'react';
import { css, cx } from '@emotion/css';
import { GrafanaTheme2, PanelProps } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import {
  computeFunnel,
  formatCount,
  formatPercent,
  formatSignedCount,
  formatSignedPercent,
  orderSteps,
  parseBenchmarks,
} from '../funnel';
import { stepLinkFromTemplate, stepsFromFrame } from '../frames';
import { FunnelOptions, FunnelStep, StepLink, defaultOptions } from '../types';

type Props = PanelProps<FunnelOptions>;

export function FunnelPanel({ data, options: rawOptions, width, height, replaceVariables }: Props) {
  // Saved dashboards may predate an option; fall back to defaults instead of rendering undefined.
  const options: FunnelOptions = { ...defaultOptions, ...rawOptions };
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const { layout, stepSource, order, benchmarks, compare, decimals, linkUrl, showDropOff } = options;

  const { result, invalidBenchmarks } = useMemo(() => {
    const parsed = parseBenchmarks(benchmarks ?? '');
    const current = orderSteps(stepsFromFrame(data.series[0], stepSource), order);
    const earlierFrame = compare ? data.series[1] : undefined;
    const previous = earlierFrame ? stepsFromFrame(earlierFrame, stepSource) : undefined;
    return {
      result: computeFunnel(current, { benchmarks: parsed.values, previous: previous?.length ? previous : undefined }),
      invalidBenchmarks: parsed.invalid,
    };
  }, [data.series, stepSource, order, benchmarks, compare]);

  if (result.steps.length === 0) {
    return (
      <div className={styles.empty} data-testid="funnel-empty" style={{ width, height }}>
        No funnel data: expect a frame with step names and counts, or one number field per step.
      </div>
    );
  }

  // A horizontal funnel needs room for each column; on a phone it would be clipped, so it
  // falls back to the vertical layout, which also stacks name, bar and numbers (compact).
  const horizontal = layout === 'horizontal' && width >= result.steps.length * 120;
  const compact = !horizontal && width < 500;
  const barColor = theme.colors.primary.main;
  const badColor = theme.colors.error.main;

  return (
    <div
      className={cx(styles.root, horizontal ? styles.horizontal : styles.vertical)}
      style={{ width, height }}
      data-testid="funnel"
      data-layout={horizontal ? 'horizontal' : 'vertical'}
      data-compact={compact ? 'true' : 'false'}
    >
      {result.steps.map((step, index) => {
        const links = [...step.links];
        const templated = stepLinkFromTemplate(linkUrl ?? '', step, replaceVariables);
        if (templated) {
          links.push(templated);
        }
        return (
          <React.Fragment key={`${index}-${step.name}`}>
            {index > 0 && showDropOff && (
              <DropOff step={step} decimals={decimals} horizontal={horizontal} compact={compact} />
            )}
            <div
              className={cx(styles.step, horizontal && styles.stepHorizontal, compact && styles.stepCompact)}
              data-testid="funnel-step"
              data-step={step.name}
              data-bottleneck={step.isBottleneck ? 'true' : 'false'}
            >
              <div className={cx(styles.name, step.isBottleneck && styles.bottleneck)}>
                <StepName name={step.name} links={links} />
              </div>
              <div className={horizontal ? styles.trackHorizontal : styles.track}>
                <div
                  className={styles.bar}
                  data-testid="funnel-bar"
                  style={{
                    background: step.isBottleneck ? badColor : barColor,
                    // A minimum sliver keeps a zero step visible as "present but empty".
                    ...(horizontal
                      ? { height: `${Math.max(step.barRatio * 100, 0.5)}%` }
                      : { width: `${Math.max(step.barRatio * 100, 0.5)}%` }),
                  }}
                />
              </div>
              <div className={styles.stats}>
                <span className={styles.count} data-testid="step-count">
                  {formatCount(step.count)}
                </span>
                <span data-testid="step-of-first" title="of the first step">
                  {formatPercent(step.ofFirst, decimals)}
                </span>
                <span className={styles.muted}> of first</span>
                {index > 0 && (
                  <>
                    <span className={styles.muted}> · </span>
                    <span data-testid="step-of-previous" title="of the previous step">
                      {formatPercent(step.ofPrevious, decimals)}
                    </span>
                    <span className={styles.muted}> of previous</span>
                  </>
                )}
                {step.comparison && (
                  <div className={styles.muted} data-testid="step-comparison">
                    {formatSignedCount(step.comparison.delta)} ({formatSignedPercent(step.comparison.change, decimals)})
                    {' vs earlier period ('}
                    {formatCount(step.comparison.previousCount)})
                  </div>
                )}
              </div>
            </div>
          </React.Fragment>
        );
      })}
      {result.steps.length === 1 && (
        <div className={styles.muted} data-testid="funnel-single">
          Only one step: nothing to compare yet.
        </div>
      )}
      {invalidBenchmarks.length > 0 && (
        <div className={styles.warning} data-testid="funnel-benchmark-warning">
          Ignored benchmark entries (use “Step: 60”): {invalidBenchmarks.join(', ')}
        </div>
      )}
    </div>
  );
}

function StepName({ name, links }: { name: string; links: StepLink[] }) {
  const [first, ...rest] = links;
  if (!first) {
    return <span>{name}</span>;
  }
  return (
    <>
      <a href={first.href} target={first.target} title={first.title} data-testid="step-link">
        {name}
      </a>
      {rest.map((link, i) => (
        <a key={i} href={link.href} target={link.target} title={link.title} data-testid="step-link">
          {' '}
          ↗
        </a>
      ))}
    </>
  );
}

interface DropOffProps {
  step: FunnelStep;
  decimals: number;
  horizontal: boolean;
  compact: boolean;
}

function DropOff({ step, decimals, horizontal, compact }: DropOffProps) {
  const styles = useStyles2(getStyles);
  const gain = step.lost !== null && step.lost < 0;
  let text: string;
  if (step.dropOff === null || step.lost === null) {
    text = 'drop-off –';
  } else if (gain) {
    text = `▲ gain ${formatPercent(-step.dropOff, decimals)} (${formatSignedCount(-step.lost)})`;
  } else {
    text = `▼ ${formatPercent(step.dropOff, decimals)} drop-off (${formatCount(step.lost)} lost)`;
  }
  return (
    <div
      className={cx(
        styles.dropOff,
        horizontal && styles.dropOffHorizontal,
        compact && styles.dropOffCompact,
        step.isBottleneck && styles.bottleneck,
        gain && styles.gain
      )}
      data-testid="funnel-dropoff"
      data-bottleneck={step.isBottleneck ? 'true' : 'false'}
    >
      <span data-testid="dropoff-text">{text}</span>
      {step.benchmark !== null && (
        <span className={styles.muted}> · expected {formatPercent(step.benchmark, decimals)}</span>
      )}
      {step.isBottleneck && (
        <strong data-testid="bottleneck-label"> · Bottleneck: {formatCount(step.lost)} lost</strong>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({
    display: 'flex',
    overflow: 'auto',
    gap: theme.spacing(0.5),
    color: theme.colors.text.primary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  // Children keep their height and the panel scrolls, rather than rows squeezing into each other.
  vertical: css({ flexDirection: 'column', '& > *': { flexShrink: 0 } }),
  horizontal: css({ flexDirection: 'row', alignItems: 'stretch' }),
  empty: css({
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    textAlign: 'center',
    color: theme.colors.text.secondary,
    padding: theme.spacing(2),
  }),
  step: css({
    display: 'grid',
    gridTemplateColumns: 'minmax(80px, 20%) 1fr minmax(140px, 30%)',
    alignItems: 'center',
    gap: theme.spacing(1),
    minHeight: 28,
  }),
  stepCompact: css({
    gridTemplateColumns: '1fr',
    gap: theme.spacing(0.25),
  }),
  stepHorizontal: css({
    display: 'flex',
    flexDirection: 'column',
    flex: '1 1 0',
    minWidth: 90,
    textAlign: 'center',
  }),
  name: css({
    fontWeight: theme.typography.fontWeightMedium,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    a: { color: theme.colors.text.link },
  }),
  track: css({
    height: 24,
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
    overflow: 'hidden',
  }),
  trackHorizontal: css({
    flex: '1 1 auto',
    width: '60%',
    minHeight: 60,
    display: 'flex',
    alignItems: 'flex-end',
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
    overflow: 'hidden',
  }),
  bar: css({
    height: '100%',
    width: '100%',
    borderRadius: theme.shape.radius.default,
    transition: 'width 300ms ease, height 300ms ease',
  }),
  stats: css({ lineHeight: 1.4 }),
  count: css({
    fontSize: theme.typography.h5.fontSize,
    fontWeight: theme.typography.fontWeightBold,
    marginRight: theme.spacing(1),
  }),
  muted: css({ color: theme.colors.text.secondary }),
  // Lines the drop-off text up with the bars: the name column is max(80px, 20%) plus the gap.
  dropOff: css({
    paddingLeft: `calc(max(80px, 20%) + ${theme.spacing(1)})`,
    color: theme.colors.text.secondary,
  }),
  dropOffCompact: css({ paddingLeft: 0 }),
  dropOffHorizontal: css({
    paddingLeft: 0,
    alignSelf: 'center',
    maxWidth: 110,
    textAlign: 'center',
  }),
  bottleneck: css({ color: theme.colors.error.text, fontWeight: theme.typography.fontWeightMedium }),
  gain: css({ color: theme.colors.success.text }),
  warning: css({ color: theme.colors.warning.text }),
});
