// The UI's routes. Pages that need a signed-in user sit under <RequireSession>, inside the
// shell (header, navigation); sign-in and the first-run setup stand alone.
import { Navigate, Route, Routes } from 'react-router';
import { Shell } from './layout/Shell';
import { NotFoundPage } from './layout/NotFoundPage';
import { CommunicationPage } from './pages/communication/CommunicationPage';
import { CommunicationsPage } from './pages/communications/CommunicationsPage';
import { EditPlaceholderPage } from './pages/communications/EditPlaceholderPage';
import { SetupPage } from './pages/sign-in/SetupPage';
import { SignInPage } from './pages/sign-in/SignInPage';
import { RequireSession, SessionWatcher } from './session/session';

export function App() {
  return (
    <>
      <SessionWatcher />
      <Routes>
        <Route path="/sign-in" element={<SignInPage />} />
        <Route path="/setup" element={<SetupPage />} />
        <Route element={<RequireSession />}>
          <Route element={<Shell />}>
            <Route index element={<Navigate to="/communications" replace />} />
            <Route path="/communications" element={<CommunicationsPage />} />
            <Route path="/communications/:id" element={<CommunicationPage />} />
            <Route path="/communications/:id/edit" element={<EditPlaceholderPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Route>
      </Routes>
    </>
  );
}
