import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { takeToken } from '../api';
import { RunList } from './RunList';
import { createRunsApi } from './runsApi';
import '../styles.css';
import './runList.css';

// Read before anything else: the token is taken out of the address bar at once (and kept for the tab,
// so the run pages under runs/<id>/ find it too).
const api = createRunsApi(takeToken());

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <RunList api={api} />
  </StrictMode>,
);
