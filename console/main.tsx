// Thread: the browser (the operator console, one page served by the gateway under /console/).
import { render } from "preact";
import "uplot/dist/uPlot.min.css";
import "./console.css";
import { App } from "./app.js";

const root = document.getElementById("app");
if (root !== null) render(<App />, root);
