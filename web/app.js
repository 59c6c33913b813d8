import { connectLive } from './live.js';
import { listPage } from './list-page.js';
import { taskPage } from './task-page.js';

const main = document.getElementById('main');
const taskId = new URLSearchParams(location.search).get('task');
const page = taskId ? taskPage(main, taskId) : listPage(main);
connectLive({ onTask: (id) => page.onTask(id), onReconnect: () => void page.refresh() });
void page.refresh();
