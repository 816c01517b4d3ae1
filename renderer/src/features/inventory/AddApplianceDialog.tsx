/** "Add appliance" in a dialog: on save it says so and opens the new appliance. */
import { useUi } from '../../stores/ui';
import { ApplianceForm } from './ApplianceForm';
import { Modal } from '../../ui/Modal';

export function AddApplianceDialog({ title, initialSite, onClose }: { title: string; initialSite?: string | undefined; onClose: () => void }) {
  const navigate = useUi((s) => s.navigate);
  const toast = useUi((s) => s.toast);
  return (
    <Modal title={title} onClose={onClose} testId="add-appliance-dialog">
      <ApplianceForm
        mode="create"
        initialSite={initialSite}
        onCancel={onClose}
        onSaved={(a) => {
          onClose();
          toast('info', `Added ${a.serial}.`);
          navigate({ name: 'appliance', serial: a.serial });
        }}
      />
    </Modal>
  );
}
