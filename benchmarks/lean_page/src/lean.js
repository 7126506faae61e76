// A measurement, not part of the product (benchmarks/bench_pages.py --lean).
//
// How soon could a workbook page be usable if its page script held only what the workbook's pages
// use: the Jupyter widget manager with the core controls, and the connection to the page's kernel?
// Voila's own script is a JupyterLab application (about 5 MB in some 90 files); this is one file.
// It reads the page that voila drew (the kernel id in its configuration, each output's widget),
// connects to the kernel, asks it for its widgets and draws each in place of its output.
import { ManagerBase } from '@jupyter-widgets/base-manager';
import * as base from '@jupyter-widgets/base';
import * as controls from '@jupyter-widgets/controls';
import WIDGET_CSS from '@jupyter-widgets/controls/css/widgets.built.css';
import { ServerConnection } from '@jupyterlab/services';
import { KernelConnection } from '@jupyterlab/services/lib/kernel/default';
import { Widget } from '@lumino/widgets';

const MODULES = { '@jupyter-widgets/base': base, '@jupyter-widgets/controls': controls };
const OUTPUT = 'script[type="application/vnd.voila.cell-output+json"]';
const VIEW = 'application/vnd.jupyter.widget-view+json';

class Manager extends ManagerBase {
  constructor(kernel) {
    super();
    this.kernel = kernel;
    kernel.registerCommTarget(this.comm_target_name, async (comm, msg) => {
      await this.handle_comm_open(new base.shims.services.Comm(comm), msg);
    });
  }

  async loadClass(className, moduleName) {
    const found = MODULES[moduleName] && MODULES[moduleName][className];
    if (!found) throw new Error(`no widget class ${moduleName}.${className}`);
    return found;
  }

  async _create_comm(targetName, modelId, data, metadata, buffers) {
    const comm = this.kernel.createComm(targetName, modelId);
    if (data || metadata) comm.open(data, metadata, buffers);
    return new base.shims.services.Comm(comm);
  }

  async _get_comm_info() {
    const reply = await this.kernel.requestCommInfo({ target_name: this.comm_target_name });
    return reply.content.status === 'ok' ? reply.content.comms : {};
  }
}

async function main() {
  const style = document.createElement('style');
  style.textContent = WIDGET_CSS;
  document.head.appendChild(style);
  window.themeLoaded = true; // what voila's script says to the template once its theme is in
  window.display_cells(); // the template's own: hide the spinner, show the page
  const config = JSON.parse(document.getElementById('jupyter-config-data').textContent);
  const serverSettings = ServerConnection.makeSettings({ baseUrl: config.baseUrl, token: config.token || '' });
  const kernel = new KernelConnection({ model: { id: config.kernelId, name: 'python3' }, serverSettings });
  const manager = new Manager(kernel);
  await manager._loadFromKernel();
  for (const el of document.querySelectorAll(OUTPUT)) {
    const ref = JSON.parse(el.textContent).data?.[VIEW];
    if (!ref) continue;
    const view = await manager.create_view(await manager.get_model(ref.model_id));
    Widget.attach(view.luminoWidget, el.parentElement);
  }
}

main().catch((e) => {
  window.__leanError = String(e);
  throw e;
});
