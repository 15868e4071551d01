// Upload progress for package forms (`data-upload-progress`): the form is sent with
// XMLHttpRequest so the page can show how much has gone, then the server's answer
// replaces the page, as a plain submission would. Without JavaScript the form posts as
// usual.
'use strict';
document.querySelectorAll('form[data-upload-progress]').forEach((form) => {
  form.addEventListener('submit', (event) => {
    const file = form.querySelector('input[type=file]');
    if (!file || !file.files.length || !window.FormData) return;
    event.preventDefault();
    const box = form.querySelector('.portal-upload-progress');
    const bar = box.querySelector('progress');
    const status = box.querySelector('[role=status]');
    const button = form.querySelector('button[type=submit]');
    box.hidden = false;
    button.disabled = true;
    const request = new XMLHttpRequest();
    request.open('POST', form.action);
    let said = -10;
    request.upload.addEventListener('progress', (e) => {
      if (!e.lengthComputable) return;
      const percent = Math.floor((e.loaded / e.total) * 100);
      bar.value = percent;
      // Spoken every 10%, not at every event.
      if (percent >= said + 10) {
        said = percent;
        status.textContent = `Uploaded ${percent}%`;
      }
    });
    request.upload.addEventListener('load', () => {
      status.textContent = 'Uploaded. Checking the package…';
    });
    request.addEventListener('load', () => {
      if (request.responseURL && request.responseURL !== form.action) {
        window.location.assign(request.responseURL);
        return;
      }
      document.open();
      document.write(request.responseText);
      document.close();
    });
    request.addEventListener('error', () => {
      button.disabled = false;
      status.textContent = 'The upload failed: check your connection and try again.';
    });
    request.send(new FormData(form));
  });
});
