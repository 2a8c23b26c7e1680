import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createApi, takeToken } from './api';
import './styles.css';
import './timeline.css';
import './values.css';

// Read before anything else: the token is taken out of the address bar at once. The run's info and
// state are asked for at once too: the server may still be folding a long history.
const api = createApi(takeToken(), { prefetch: true });

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App api={api} />
  </StrictMode>,
);
