import { useReactFlow } from '@xyflow/react';
import { useCallback, useEffect, useRef } from 'react';
import { fitViewport, scrollToShow } from './graphModel';
import { Icon, type IconName } from './Icon';

/** Asks the graph to fit itself again (the "Fit the graph" button). */
const REFIT = 'conductor:refit-graph';

const ZOOMS: ReadonlyArray<{
  label: string;
  icon: IconName;
  act: (flow: ReturnType<typeof useReactFlow>) => void;
}> = [
  { label: 'Zoom out', icon: 'minus', act: (flow) => void flow.zoomOut({ duration: 150 }) },
  { label: 'Zoom in', icon: 'plus', act: (flow) => void flow.zoomIn({ duration: 150 }) },
  { label: 'Fit the graph', icon: 'fit', act: () => window.dispatchEvent(new Event(REFIT)) },
];

export function ZoomButtons() {
  const flow = useReactFlow();
  return (
    <fieldset className="zoom-buttons">
      <legend className="visually-hidden">Zoom</legend>
      {ZOOMS.map(({ label, icon, act }) => (
        <button
          key={label}
          type="button"
          className="icon-button"
          onClick={() => act(flow)}
          aria-label={label}
        >
          <Icon name={icon} />
        </button>
      ))}
    </fieldset>
  );
}

/**
 * Fits the graph when its shape or the panel's size changes (top-aligned and scrollable when a full fit
 * would be too small to read), and brings the current step into view when it changes.
 */
export function ViewportKeeper({
  shape,
  bounds,
  currentStep,
}: {
  shape: string;
  bounds: { width: number; height: number };
  currentStep: string | null;
}) {
  const flow = useReactFlow();
  const ref = useRef<HTMLSpanElement>(null);

  const fit = useCallback(() => {
    const el = ref.current?.closest('.react-flow');
    const viewport = el && fitViewport(bounds, { width: el.clientWidth, height: el.clientHeight });
    if (viewport) void flow.setViewport(viewport);
  }, [flow, bounds]);

  useEffect(() => {
    window.addEventListener(REFIT, fit);
    return () => window.removeEventListener(REFIT, fit);
  }, [fit]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: refit whenever the shape changes.
  useEffect(() => {
    const id = requestAnimationFrame(fit);
    return () => cancelAnimationFrame(id);
  }, [shape, fit]);

  useEffect(() => {
    const el = ref.current?.closest('.react-flow');
    if (!el) return;
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(fit);
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      cancelAnimationFrame(frame);
    };
  }, [fit]);

  useEffect(() => {
    const el = ref.current?.closest('.react-flow');
    const node = currentStep ? flow.getInternalNode(currentStep) : undefined;
    if (!el || !node) return;
    const { x, y, zoom } = flow.getViewport();
    const at = node.internals.positionAbsolute;
    const top = at.y * zoom + y;
    const bottom = (at.y + (node.height ?? 0)) * zoom + y;
    const shift = scrollToShow(top, bottom, el.clientHeight);
    if (shift !== 0) void flow.setViewport({ x, y: y + shift, zoom }, { duration: 300 });
  }, [currentStep, flow]);

  return <span ref={ref} hidden />;
}
